// Idle held connections for k6: one VU per connection, opened and then held until the run ends.
//   k6 run -e URL=ws://127.0.0.1:PORT -e VUS=1000 -e DURATION=60s idle.js
import { WebSocket } from 'k6/experimental/websockets';

export const options = {
  scenarios: {
    idle: { executor: 'constant-vus', vus: Number(__ENV.VUS), duration: __ENV.DURATION, gracefulStop: '0s' },
  },
};

export default function () {
  const ws = new WebSocket(`${__ENV.URL}/echo`);
  ws.onerror = () => {};
}
