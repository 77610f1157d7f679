#!/usr/bin/env node
// A stand-in for Tribune's live streams, ONLY for testing the benchmark scripts themselves
// (`FAKE=1 bash bench/sse/run.sh 2000`). It keeps everything in memory and says nothing about
// Tribune's performance. Node 20, built-in modules only.
//
//   FAKE_TOKEN=trb_… node fake-server.mjs --listen 127.0.0.1:PORT
//
// Implements the contract the benchmark codes against:
//   GET  /                                   200 (a tiny page)
//   GET  /api/v1/matches?live=true           {"matches":[{"id":7,...,"live":true}]}
//   POST /api/v1/desk/matches/7/entries      Bearer FAKE_TOKEN, {"text": …} -> 201 {"id": n}
//   GET  /live/match/7                       text/event-stream: `retry:`, then a `board` message
//                                            (or, with Last-Event-ID, the entries after it), then
//                                            every new entry as `entry`; `: heartbeat` every 15 s
// It drops no client, unless FAKE_DROP=P (0 … 1): then each stream is cut with probability P at
// every entry, to exercise the benchmark's reconnect-and-resume path; with FAKE_NO_REPLAY=1 as
// well, Last-Event-ID is ignored, so the benchmark's miss accounting can be seen at work.

import http from 'node:http';

const listen = process.argv[process.argv.indexOf('--listen') + 1] || '';
const m = /^127\.0\.0\.1:(\d+)$/.exec(listen);
if (!m) { process.stderr.write('usage: fake-server.mjs --listen 127.0.0.1:PORT\n'); process.exit(2); }
const TOKEN = process.env.FAKE_TOKEN || '';
if (!TOKEN.startsWith('trb_')) { process.stderr.write('fake-server: FAKE_TOKEN must start with trb_\n'); process.exit(2); }
const DROP = Number(process.env.FAKE_DROP || 0);
const REPLAY = process.env.FAKE_NO_REPLAY !== '1';
const MATCH = 7;

let seq = 100; // ids of stream messages (entries and boards share one sequence, as ids must be ordered)
const entries = []; // { id, frame }
const streams = new Set();

const esc = (s) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
const frame = (id, event, data) => `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
const board = () => frame(seq, 'board', { home: 'KRC Genk', away: 'Royal Antwerp FC', score: [1, 0], minute: 23 });

function json(res, status, obj) {
    const body = JSON.stringify(obj);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
}

const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    if (req.method === 'GET' && url.pathname === '/') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end('<!doctype html><title>fake tribune</title><p>fake server for bench/sse only</p>');
    } else if (req.method === 'GET' && url.pathname === '/api/v1/matches') {
        json(res, 200, { matches: [{ id: MATCH, home: 'KRC Genk', away: 'Royal Antwerp FC', status: 'first_half', live: true }] });
    } else if (req.method === 'POST' && url.pathname === `/api/v1/desk/matches/${MATCH}/entries`) {
        if (req.headers.authorization !== `Bearer ${TOKEN}`) return json(res, 401, { error: 'unauthorized' });
        let body = '';
        req.setEncoding('utf8');
        req.on('data', (c) => { body += c; });
        req.on('end', () => {
            let text;
            try { text = JSON.parse(body).text; } catch { /* below */ }
            if (typeof text !== 'string' || !text) return json(res, 422, { error: 'text required' });
            const id = ++seq;
            const f = frame(id, 'entry', { id, minute: 23, html: `<p>${esc(text)}</p>` });
            entries.push({ id, frame: f });
            for (const s of streams) {
                if (DROP > 0 && Math.random() < DROP) { s.destroy(); continue; }
                s.write(f);
            }
            json(res, 201, { id });
        });
    } else if (req.method === 'GET' && url.pathname === `/live/match/${MATCH}`) {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        res.write('retry: 2000\n\n');
        const last = Number(req.headers['last-event-id']);
        if (REPLAY && Number.isFinite(last) && req.headers['last-event-id'] !== undefined) {
            for (const e of entries) if (e.id > last) res.write(e.frame);
        } else {
            res.write(board());
        }
        streams.add(res);
        res.on('close', () => streams.delete(res));
    } else {
        json(res, 404, { error: 'not found' });
    }
});
server.requestTimeout = 0;
server.headersTimeout = 20_000;
server.keepAliveTimeout = 5_000;
setInterval(() => { for (const s of streams) s.write(': heartbeat\n\n'); }, 15_000).unref();
server.listen({ host: '127.0.0.1', port: Number(m[1]), backlog: 4096 }, () => {
    process.stderr.write(`fake-server: listening on ${listen}${DROP ? `, dropping streams with p=${DROP}` : ''}\n`);
});
process.on('SIGTERM', () => process.exit(0));
