// The Socket.IO call scenario for k6, which has no Socket.IO client: Engine.IO 4 and Socket.IO 5
// packets by hand over the WebSocket transport. Each VU connects to the "/" namespace, then in a
// closed loop emits "echo" with an ack id (`42<id>["echo",{...}]`), waits for its ack (`43<id>`),
// times it and emits the next; Engine.IO pings ("2") are answered with pongs ("3").
//   k6 run -e URL=ws://127.0.0.1:PORT -e VUS=50 -e DURATION=30s -e MESSAGE='{...}' socketio.js
import { WebSocket } from 'k6/experimental/websockets';
import { Trend } from 'k6/metrics';

const ackTime = new Trend('echo_ack', true);
const message = __ENV.MESSAGE;

export const options = {
  scenarios: {
    socketio: { executor: 'constant-vus', vus: Number(__ENV.VUS), duration: __ENV.DURATION, gracefulStop: '0s' },
  },
};

export default function () {
  const ws = new WebSocket(`${__ENV.URL}/socket.io/?EIO=4&transport=websocket`);
  let ackId = 0;
  let sentAt = 0;
  const call = () => {
    ackId += 1;
    sentAt = Date.now();
    ws.send(`42${ackId}["echo",${message}]`);
  };
  ws.onmessage = (event) => {
    const packet = event.data;
    if (packet.startsWith('43')) {
      if (Number(/^43(\d+)/.exec(packet)[1]) === ackId) ackTime.add(Date.now() - sentAt);
      call();
    } else if (packet.startsWith('40')) {
      call();
    } else if (packet.startsWith('0')) {
      ws.send('40');
    } else if (packet === '2') {
      ws.send('3');
    }
  };
}
