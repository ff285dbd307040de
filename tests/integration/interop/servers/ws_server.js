'use strict';
// The `ws` library's own server, for the locust-ws interop tests: one behaviour per path on one
// port, and a second port whose server is bound to a single path with ws's `path:` option (which
// answers any other path with HTTP 400).
//
//   node ws_server.js [--port N] [--bound-port N] [--bound-path /some/path]
//
// Binds 127.0.0.1 (port 0 by default) and prints one JSON line once both ports listen:
//   {"port": P, "bound_port": Q, "bound_path": "/some/path"}
//
// Paths on `port`:
//   /echo         every frame is sent back as it came (text stays text, binary stays binary)
//   /broadcast    every frame goes to every client connected to /broadcast, the sender included
//   /close/<code> the first frame received makes the server close with <code> and reason "bye"
//   /close-empty  the first frame received makes the server close with no status code
//                 (`ws.close()` with no arguments sends an empty close frame: 1005 on our side)
//   /drop         the first frame received makes the server drop the TCP connection with no close
//                 frame (`ws.terminate()`: 1006 on our side)
//   /reject       the handshake is refused by `verifyClient` with HTTP 401
//   anything else HTTP 404
// On `bound_port`, only `bound_path` upgrades; each JSON object received is answered with the
// same object plus "url": the request target (path and query) the server saw.

const http = require('http');
const { WebSocketServer, WebSocket } = require('ws');

function option(flag, fallback) {
  const index = process.argv.indexOf(flag);
  return index === -1 ? fallback : process.argv[index + 1];
}

function pathOf(request) {
  return new URL(request.url, 'ws://localhost').pathname;
}

function onFirstMessage(action) {
  return (ws) => ws.once('message', () => action(ws));
}

const broadcastClients = new Set();

const behaviours = {
  '/echo': (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })),
  '/broadcast': (ws) => {
    broadcastClients.add(ws);
    ws.on('close', () => broadcastClients.delete(ws));
    ws.on('message', (data, isBinary) => {
      for (const client of broadcastClients) {
        if (client.readyState === WebSocket.OPEN) client.send(data, { binary: isBinary });
      }
    });
  },
  '/close-empty': onFirstMessage((ws) => ws.close()),
  '/drop': onFirstMessage((ws) => ws.terminate()),
  '/reject': () => {}, // never called: verifyClient refuses the handshake first
};

function behaviourFor(path) {
  const closeWith = /^\/close\/(\d{4})$/.exec(path);
  if (closeWith) return onFirstMessage((ws) => ws.close(Number(closeWith[1]), 'bye'));
  return behaviours[path];
}

const router = new WebSocketServer({
  noServer: true,
  verifyClient: (info, done) => (pathOf(info.req) === '/reject' ? done(false, 401, 'Unauthorized') : done(true)),
});

const server = http.createServer((request, response) => response.writeHead(426).end());
server.on('upgrade', (request, socket, head) => {
  const behaviour = behaviourFor(pathOf(request));
  if (!behaviour) {
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    return;
  }
  router.handleUpgrade(request, socket, head, (ws) => behaviour(ws));
});

const boundPath = option('--bound-path', '/some/path');
const boundServer = http.createServer((request, response) => response.writeHead(426).end());
const bound = new WebSocketServer({ server: boundServer, path: boundPath });
bound.on('connection', (ws, request) => {
  ws.on('message', (data) => {
    const message = JSON.parse(data.toString());
    ws.send(JSON.stringify({ ...message, url: request.url }));
  });
});

server.listen(Number(option('--port', 0)), '127.0.0.1', () => {
  boundServer.listen(Number(option('--bound-port', 0)), '127.0.0.1', () => {
    const ports = { port: server.address().port, bound_port: boundServer.address().port, bound_path: boundPath };
    process.stdout.write(`${JSON.stringify(ports)}\n`);
  });
});
