// Floor: bare node:http, parse and answer JSON. Prints its address.
import { createServer } from 'node:http';

// The shape of an invoke result, so the SDK can be measured against this floor too.
const USAGE = { input_tokens: 0, output_tokens: 0, total_tokens: 0, llm_calls: 0 };
const TIMING = { queued_ms: 0, run_ms: 0, total_ms: 0 };
const server = createServer((req, res) => {
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"status":"ready"}');
    return;
  }
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const out = JSON.stringify({ run_id: 'run_floor', status: 'succeeded', output: body.input, usage: USAGE, timing: TIMING });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
    res.end(out);
  });
});
server.keepAliveTimeout = 65_000;
const socket = process.env.FLOOR_SOCKET;
if (socket) server.listen(socket);
else server.listen(0, '127.0.0.1');
server.on('listening', () => {
  const address = server.address();
  process.stdout.write(`${JSON.stringify({ msg: 'listening', address: typeof address === 'string' ? `unix:${address}` : `http://127.0.0.1:${address.port}` })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
