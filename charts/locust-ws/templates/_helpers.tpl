{{/* Names and labels. */}}
{{- define "locust-ws.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "locust-ws.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "locust-ws.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "locust-ws.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "locust-ws.selectorLabels" -}}
app.kubernetes.io/name: {{ include "locust-ws.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "locust-ws.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* Where the locustfile is inside the container. */}}
{{- define "locust-ws.locustfilePath" -}}
{{- if or .Values.locustfile.inline .Values.locustfile.existingConfigMap -}}
{{- printf "/mnt/locustfile/%s" .Values.locustfile.key -}}
{{- else -}}
{{- .Values.locustfile.path -}}
{{- end -}}
{{- end -}}

{{- define "locust-ws.locustfileConfigMap" -}}
{{- default (printf "%s-locustfile" (include "locust-ws.fullname" .)) .Values.locustfile.existingConfigMap -}}
{{- end -}}

{{/* The target host: explicit, or the in-cluster demo server. */}}
{{- define "locust-ws.host" -}}
{{- if .Values.host -}}
{{- .Values.host -}}
{{- else if .Values.demo.enabled -}}
{{- printf "ws://%s-demo:%v" (include "locust-ws.fullname" .) .Values.demo.port -}}
{{- end -}}
{{- end -}}

{{/* Arguments of the master's locust command. */}}
{{- define "locust-ws.masterArgs" -}}
- --master
- --master-bind-port=5557
- --locustfile={{ include "locust-ws.locustfilePath" . }}
{{- with (include "locust-ws.host" .) }}
- --host={{ . }}
{{- end }}
{{- if eq .Values.mode "headless" }}
- --headless
- --users={{ .Values.test.users }}
- --spawn-rate={{ .Values.test.spawnRate }}
- --run-time={{ .Values.test.runTime }}
- --expect-workers={{ .Values.worker.replicas }}
- --expect-workers-max-wait={{ .Values.test.expectWorkersMaxWait }}
{{- end }}
{{- if .Values.loadPatterns.connectRate }}
- --ws-connect-rate={{ .Values.loadPatterns.connectRate }}
{{- end }}
{{- if .Values.loadPatterns.connectJitter }}
- --ws-connect-jitter={{ .Values.loadPatterns.connectJitter }}
{{- end }}
{{- range .Values.thresholds }}
- {{ printf "--ws-threshold=%s" . | quote }}
{{- end }}
{{- if .Values.results.enabled }}
- --csv=/results/{{ .Values.results.prefix }}
- --html=/results/{{ .Values.results.prefix }}.html
- --ws-json=/results/{{ .Values.results.prefix }}.json
{{- end }}
{{- range .Values.extraArgs }}
- {{ . | quote }}
{{- end }}
{{- end -}}

{{/* Arguments of a worker's locust command. */}}
{{- define "locust-ws.workerArgs" -}}
- --worker
- --master-host={{ include "locust-ws.fullname" . }}-master
- --master-port=5557
- --locustfile={{ include "locust-ws.locustfilePath" . }}
{{- range .Values.extraArgs }}
- {{ . | quote }}
{{- end }}
{{- end -}}

{{/*
The pod spec shared by master and workers, in every mode.
Call with (dict "root" $ "component" "master" "args" "<yaml list>" "restartPolicy" "Always" "role" .Values.master)
*/}}
{{- define "locust-ws.podTemplate" -}}
{{- $root := .root -}}
metadata:
  labels:
    {{- include "locust-ws.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
  {{- if $root.Values.locustfile.inline }}
  annotations:
    checksum/locustfile: {{ $root.Values.locustfile.inline | sha256sum }}
  {{- end }}
spec:
  restartPolicy: {{ .restartPolicy }}
  {{- with $root.Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  securityContext:
    {{- toYaml $root.Values.podSecurityContext | nindent 4 }}
  containers:
    - name: {{ .component }}
      image: {{ include "locust-ws.image" $root }}
      imagePullPolicy: {{ $root.Values.image.pullPolicy }}
      args:
        {{- .args | nindent 8 }}
      {{- if eq .component "master" }}
      ports:
        - name: master
          containerPort: 5557
        {{- if eq $root.Values.mode "ui" }}
        - name: web
          containerPort: 8089
        {{- end }}
      {{- end }}
      env:
        - name: HOME
          value: /tmp
        - name: PYTHONDONTWRITEBYTECODE
          value: "1"
        {{- with $root.Values.env }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
        {{- range $root.Values.secretEnv }}
        - name: {{ .name }}
          valueFrom:
            secretKeyRef:
              name: {{ .secretName }}
              key: {{ .key }}
        {{- end }}
      securityContext:
        {{- toYaml $root.Values.securityContext | nindent 8 }}
      {{- with .role.resources }}
      resources:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      volumeMounts:
        - name: tmp
          mountPath: /tmp
        {{- if or $root.Values.locustfile.inline $root.Values.locustfile.existingConfigMap }}
        - name: locustfile
          mountPath: /mnt/locustfile
          readOnly: true
        {{- end }}
        {{- if and $root.Values.results.enabled (eq .component "master") }}
        - name: results
          mountPath: /results
        {{- end }}
  volumes:
    - name: tmp
      emptyDir: {}
    {{- if or $root.Values.locustfile.inline $root.Values.locustfile.existingConfigMap }}
    - name: locustfile
      configMap:
        name: {{ include "locust-ws.locustfileConfigMap" $root }}
    {{- end }}
    {{- if and $root.Values.results.enabled (eq .component "master") }}
    - name: results
      {{- if $root.Values.results.existingClaim }}
      persistentVolumeClaim:
        claimName: {{ $root.Values.results.existingClaim }}
      {{- else }}
      emptyDir: {}
      {{- end }}
    {{- end }}
  {{- with .role.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .role.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .role.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end -}}
