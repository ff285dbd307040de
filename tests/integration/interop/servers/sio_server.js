'use strict';
// The official `socket.io` 4 server, for the locust-ws interop tests.
//
//   node sio_server.js [--port N] [--token T]
//
// Binds 127.0.0.1 (port 0 by default) and prints one JSON line once it listens: {"port": P}
//
// Namespaces `/` and `/chat`, the same events on both:
//   echo (with ack)  acknowledged with the arguments it came with
//   where (with ack) acknowledged with the name of the namespace that answered
//   join (with ack)  {room} puts the socket in `room`, acknowledged with {ok: true, room}
//   leave (with ack) {room} takes it out again, acknowledged with {ok: true, room}
//   say              {room, ...} is sent as `said` to everybody else in `room`
// WebSocket clients that offer permessage-deflate get it, with every message compressed.
// `/chat` has an auth middleware: a CONNECT whose auth.token is not `T` (default "good-token") is
// refused with a connect_error whose message is "invalid token".

const http = require('http');
const { Server } = require('socket.io');

function option(flag, fallback) {
  const index = process.argv.indexOf(flag);
  return index === -1 ? fallback : process.argv[index + 1];
}

const token = option('--token', 'good-token');
const server = http.createServer();
// permessage-deflate for the clients that offer it, every message compressed (threshold 0).
const io = new Server(server, {
  serveClient: false,
  transports: ['websocket', 'polling'],
  perMessageDeflate: { threshold: 0 },
});

function serve(namespace) {
  namespace.on('connection', (socket) => {
    socket.on('echo', (...args) => {
      const ack = args.pop();
      ack(...args);
    });
    socket.on('where', (ack) => ack(namespace.name));
    socket.on('join', ({ room }, ack) => {
      socket.join(room);
      ack({ ok: true, room });
    });
    socket.on('leave', ({ room }, ack) => {
      socket.leave(room);
      ack({ ok: true, room });
    });
    socket.on('say', (message) => socket.to(message.room).emit('said', message));
  });
}

const chat = io.of('/chat');
chat.use((socket, next) => {
  if (socket.handshake.auth && socket.handshake.auth.token === token) next();
  else next(new Error('invalid token'));
});
serve(io.of('/'));
serve(chat);

server.listen(Number(option('--port', 0)), '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
