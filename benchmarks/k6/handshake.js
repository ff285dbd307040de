// Handshake churn for k6: each VU opens a connection, closes it as soon as it is open, and starts
// over when the close completes (the next iteration).
//   k6 run -e URL=ws://127.0.0.1:PORT -e VUS=20 -e DURATION=30s handshake.js
import { WebSocket } from 'k6/experimental/websockets';

export const options = {
  scenarios: {
    handshake: { executor: 'constant-vus', vus: Number(__ENV.VUS), duration: __ENV.DURATION, gracefulStop: '0s' },
  },
};

export default function () {
  const ws = new WebSocket(`${__ENV.URL}/echo`);
  ws.onopen = () => ws.close();
}
