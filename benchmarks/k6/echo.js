// The echo scenario for k6, as a k6 user writes it: one VU per connection, each a closed loop that
// sends the 64-byte JSON text frame, waits for its echo, checks the id and times the round trip
// (a Trend, as locust-ws times every request), then sends the next.
//   k6 run -e URL=ws://127.0.0.1:PORT -e VUS=50 -e DURATION=30s -e MESSAGE='{...}' echo.js
import { WebSocket } from 'k6/experimental/websockets';
import { Trend } from 'k6/metrics';

const roundTrip = new Trend('echo_round_trip', true);
const message = __ENV.MESSAGE;
const id = JSON.parse(message).id;

export const options = {
  scenarios: {
    echo: { executor: 'constant-vus', vus: Number(__ENV.VUS), duration: __ENV.DURATION, gracefulStop: '0s' },
  },
};

export default function () {
  const ws = new WebSocket(`${__ENV.URL}/echo`);
  let sentAt = 0;
  const send = () => {
    sentAt = Date.now();
    ws.send(message);
  };
  ws.onopen = send;
  ws.onmessage = (event) => {
    if (JSON.parse(event.data).id === id) roundTrip.add(Date.now() - sentAt);
    send();
  };
}
