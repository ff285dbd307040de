'use strict';
// The counting target of benchmarks/run.py: Node's `ws` (and `socket.io` on the same port), so the
// rates come from the server, the same way for every load generator (locust-ws, k6, the bare loop),
// and never from what a generator believes it did.
//
//   node echo_server.js [--port N]
//
// Binds 127.0.0.1 (port 0 by default) and prints one JSON line once it listens: {"port": P}.
//   /echo        WebSocket: every frame is sent back as it came; each one counts as a round trip,
//                each upgrade as a handshake
//   /socket.io/  Socket.IO 4 (WebSocket transport only): an "echo" event is acked with its data;
//                each ack counts
//   GET /stats   {"handshakes", "round_trips", "acks", "open", "cpu_s"}: the counters since the
//                start, the connections open now, and the CPU seconds (user + system) this process
//                used, so the benchmark knows when the server, not the generator, was the limit
// perMessageDeflate stays off (ws's default): every generator sends plain frames.

const http = require('http');
const { WebSocketServer } = require('ws');
const { Server } = require('socket.io');

const counts = { handshakes: 0, round_trips: 0, acks: 0, open: 0 };

function stats() {
  const cpu = process.cpuUsage();
  return JSON.stringify({ ...counts, cpu_s: (cpu.user + cpu.system) / 1e6 });
}

const server = http.createServer((request, response) => {
  if (request.method === 'GET' && request.url === '/stats') {
    response.writeHead(200, { 'Content-Type': 'application/json' }).end(stats());
    return;
  }
  response.writeHead(404).end();
});

const echo = new WebSocketServer({ noServer: true, clientTracking: false });
server.on('upgrade', (request, socket, head) => {
  if (request.url.startsWith('/socket.io/')) return; // engine.io's own upgrade listener takes it
  if (request.url !== '/echo') {
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    return;
  }
  echo.handleUpgrade(request, socket, head, (ws) => {
    counts.handshakes += 1;
    counts.open += 1;
    ws.on('close', () => {
      counts.open -= 1;
    });
    ws.on('message', (data, isBinary) => {
      counts.round_trips += 1;
      ws.send(data, { binary: isBinary });
    });
  });
});

// destroyUpgrade off: engine.io would otherwise end every upgrade that is not its own (/echo).
const io = new Server(server, { transports: ['websocket'], destroyUpgrade: false, serveClient: false });
io.on('connection', (socket) => {
  counts.open += 1;
  socket.on('disconnect', () => {
    counts.open -= 1;
  });
  socket.on('echo', (data, ack) => {
    counts.acks += 1;
    if (typeof ack === 'function') ack(data);
  });
});

const portFlag = process.argv.indexOf('--port');
const port = portFlag === -1 ? 0 : Number(process.argv[portFlag + 1]);
// A deep accept queue: the idle scenario opens thousands of connections in a burst.
server.listen({ port, host: '127.0.0.1', backlog: 4096 }, () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
