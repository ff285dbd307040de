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
// Each of them, behind a prefix, with permessage-deflate (RFC 7692):
//   /plain/...             no compression (as without a prefix)
//   /deflate/...           `perMessageDeflate` with `threshold: 0`: every message compressed, the
//                          client's parameters accepted
//   /deflate-small/...     the server imposes small windows (client 9 bits, server 10) and
//                          `client_no_context_takeover`
//   /deflate-required/...  a client that does not offer permessage-deflate is refused (HTTP 400)
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

function router(perMessageDeflate, required = false) {
  const offered = (request) => /permessage-deflate/.test(request.headers['sec-websocket-extensions'] || '');
  return new WebSocketServer({
    noServer: true,
    perMessageDeflate,
    verifyClient: (info, done) => {
      if (pathOf(info.req).endsWith('/reject')) return done(false, 401, 'Unauthorized');
      if (required && !offered(info.req)) return done(false, 400, 'permessage-deflate required');
      return done(true);
    },
  });
}

const plain = router(false);
const compressing = { threshold: 0 };
const routers = {
  '/plain': plain,
  '/deflate': router(compressing),
  '/deflate-small': router({ ...compressing, clientMaxWindowBits: 9, serverMaxWindowBits: 10, clientNoContextTakeover: true }),
  '/deflate-required': router(compressing, true),
};

function route(path) {
  const prefix = /^\/[^/]+/.exec(path);
  if (prefix && routers[prefix[0]]) return [routers[prefix[0]], path.slice(prefix[0].length)];
  return [plain, path];
}

const server = http.createServer((request, response) => response.writeHead(426).end());
server.on('upgrade', (request, socket, head) => {
  const [chosen, path] = route(pathOf(request));
  const behaviour = behaviourFor(path);
  if (!behaviour) {
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    return;
  }
  chosen.handleUpgrade(request, socket, head, (ws) => behaviour(ws));
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
