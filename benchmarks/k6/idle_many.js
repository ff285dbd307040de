// Idle held connections for k6, many per VU: each VU opens PER_VU connections and holds them until
// the run ends (what `connections_per_user` does in locust-ws).
//   k6 run -e URL=ws://127.0.0.1:PORT -e VUS=10 -e PER_VU=100 -e DURATION=60s idle_many.js
import { WebSocket } from 'k6/experimental/websockets';

export const options = {
  scenarios: {
    idle: { executor: 'constant-vus', vus: Number(__ENV.VUS), duration: __ENV.DURATION, gracefulStop: '0s' },
  },
};

export default function () {
  for (let i = 0; i < Number(__ENV.PER_VU); i += 1) {
    const ws = new WebSocket(`${__ENV.URL}/echo`);
    ws.onerror = () => {};
  }
}
