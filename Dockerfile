# locust-ws image: Locust with locust-ws preinstalled and the example locustfiles, running as a
# non-root user. Nothing is installed at container start (the cause of slow, breaking starts in
# charts that pip-install on boot).
#   docker build -t locust-ws:0.1.0 .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --gid 1000 locust \
    && useradd --uid 1000 --gid 1000 --create-home --shell /usr/sbin/nologin locust

WORKDIR /opt/locust-ws
COPY pyproject.toml setup.cfg README.md LICENSE ./
COPY locust_ws ./locust_ws
COPY locustfiles ./locustfiles
RUN pip install --no-cache-dir .

COPY --chown=1000:1000 locustfiles /home/locust/locustfiles

USER 1000:1000
WORKDIR /home/locust
EXPOSE 8089 5557
ENTRYPOINT ["locust"]
CMD ["--locustfile", "/home/locust/locustfiles/chat.py"]
