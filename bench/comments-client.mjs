#!/usr/bin/env node
// The load client of the comment benchmarks (bench/comments.sh, bench/comment_page.sh,
// bench/crash.sh). Node 20, built-in modules only: one keep-alive connection per simulated
// client (an http.Agent with maxSockets 1 each), latencies with process.hrtime. Talks to
// 127.0.0.1 only; every mode is bounded in time.
//
//   node comments-client.mjs login   --base URL --emails FILE --password PW --out FILE
//   node comments-client.mjs load    --base URL --sessions FILE --articles 1,2,3 --paths FILE
//                                    --writers 64 --readers 16 --duration 30 [--warmup 3] --out FILE
//   node comments-client.mjs fill    --base URL --sessions FILE --article ID --count N --out FILE
//   node comments-client.mjs read    --base URL --path /nieuws/.. --connections C --duration S
//                                    [--warmup S] --out FILE
//   node comments-client.mjs burst   --base URL --sessions FILE --articles 1,2 --writers 16
//                                    --limit S --acked FILE
//   node comments-client.mjs verify  --base URL --acked FILE [--articles 1,2] --out FILE
//
// Also: --pid PID (load, read: the server's CPU in the measured window, from /proc), --nonce WORD
// (load, fill, burst: a run's mark in the texts, so runs on the same accounts never repeat one).
//
// Every mode writes one JSON object to --out (or stdout) and progress to stderr. Comment texts
// are unique per run (a run nonce, the writer and a counter, as separate words: the duplicate
// check folds digits inside words into letters) and use no word from the moderation lists.

import http from 'node:http';
import fs from 'node:fs';
import { URL } from 'node:url';

// ---- arguments --------------------------------------------------------------------------------
const [mode, ...rest] = process.argv.slice(2);
const args = {};
for (let i = 0; i < rest.length; i += 2) {
    if (!rest[i].startsWith('--')) die(`unexpected argument ${rest[i]}`);
    args[rest[i].slice(2)] = rest[i + 1];
}
function die(msg) {
    process.stderr.write(`comments-client: ${msg}\n`);
    process.exit(2);
}
function need(name) {
    if (args[name] === undefined) die(`--${name} is required for ${mode}`);
    return args[name];
}
const log = (msg) => process.stderr.write(`[client ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

const base = new URL(need('base'));
if (base.hostname !== '127.0.0.1') die('only http://127.0.0.1:PORT is allowed as --base');
const ORIGIN = `http://127.0.0.1:${base.port}`;

// ---- HTTP ---------------------------------------------------------------------------------------
// One agent per simulated client: its own keep-alive connection, reused request after request.
function agent() {
    return new http.Agent({ keepAlive: true, maxSockets: 1, maxFreeSockets: 1, keepAliveMsecs: 10_000 });
}

// Resolves { status, body, headers, ms } or { status: 0, error, ms } (connection errors, timeouts).
function request(ag, method, path, { body, cookie, timeout = 10_000, wantBody = true } = {}) {
    return new Promise((resolve) => {
        const t0 = process.hrtime.bigint();
        const headers = { host: `127.0.0.1:${base.port}` };
        let payload;
        if (body !== undefined) {
            payload = Buffer.from(JSON.stringify(body));
            headers['content-type'] = 'application/json';
            headers['content-length'] = payload.length;
        }
        if (method !== 'GET') headers.origin = ORIGIN;
        if (cookie) headers.cookie = cookie;
        const done = (r) => {
            r.ms = Number(process.hrtime.bigint() - t0) / 1e6;
            resolve(r);
        };
        const req = http.request(
            { host: '127.0.0.1', port: base.port, method, path, headers, agent: ag },
            (res) => {
                const chunks = [];
                res.on('data', (c) => { if (wantBody) chunks.push(c); });
                res.on('end', () => done({
                    status: res.statusCode,
                    headers: res.headers,
                    body: wantBody ? Buffer.concat(chunks).toString('utf8') : '',
                }));
                res.on('error', (e) => done({ status: 0, error: e.code || e.message }));
            },
        );
        req.setTimeout(timeout, () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
        req.on('error', (e) => done({ status: 0, error: e.code || e.message }));
        if (payload) req.write(payload);
        req.end();
    });
}

function parseJson(text) {
    try { return JSON.parse(text); } catch { return null; }
}

// ---- statistics ---------------------------------------------------------------------------------
function percentile(sorted, p) {
    if (sorted.length === 0) return null;
    const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
    return sorted[i];
}
function summary(latencies) {
    const s = Float64Array.from(latencies).sort();
    const r = (x) => (x === null ? null : Math.round(x * 100) / 100);
    const mean = s.length ? s.reduce((a, b) => a + b, 0) / s.length : null;
    return {
        count: s.length,
        mean_ms: r(mean),
        p50_ms: r(percentile(s, 50)),
        p95_ms: r(percentile(s, 95)),
        p99_ms: r(percentile(s, 99)),
        max_ms: r(s.length ? s[s.length - 1] : null),
    };
}
// utime + stime of the server process (--pid), in seconds; null without --pid.
const TICK = 100; // USER_HZ on Linux
function serverCpu() {
    if (!args.pid) return null;
    try {
        const stat = fs.readFileSync(`/proc/${args.pid}/stat`, 'utf8');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return (Number(f[11]) + Number(f[12])) / TICK;
    } catch {
        return null;
    }
}
// Busy seconds of the whole machine (user + nice + system + irq + softirq), from /proc/stat.
function machineCpu() {
    try {
        const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
        return (Number(line[1]) + Number(line[2]) + Number(line[3]) + Number(line[6]) + Number(line[7])) / TICK;
    } catch {
        return null;
    }
}
// Who used the cores during the measured window: server (--pid), this client, everything else
// (on PostgreSQL that includes its backends).
function cpuSplit(srv0, srv1, mach0, mach1, client, seconds) {
    const r = (x) => (x === null ? null : Math.round(Math.max(0, x) * 100) / 100);
    const server = srv0 === null || srv1 === null ? null : (srv1 - srv0) / seconds;
    const machine = mach0 === null || mach1 === null ? null : (mach1 - mach0) / seconds;
    const own = (client.user + client.system) / 1e6 / seconds;
    return {
        server_cores: r(server),
        client_cores: r(own),
        else_cores: machine === null ? null : r(machine - own - (server ?? 0)),
    };
}
function bump(map, key) { map[key] = (map[key] || 0) + 1; }

function output(obj) {
    const text = JSON.stringify(obj, null, 1) + '\n';
    if (args.out) fs.writeFileSync(args.out, text);
    else process.stdout.write(text);
}

function readSessions() {
    const sessions = JSON.parse(fs.readFileSync(need('sessions'), 'utf8'));
    if (!Array.isArray(sessions) || sessions.length === 0) die('no sessions in --sessions');
    return sessions;
}

// Letters only: digits inside a word are read as letters by the duplicate check ("r1" = "ri").
const NONCE = (args.nonce || Math.random().toString(36).slice(2, 8))
    .toLowerCase().replace(/[0-9]/g, (d) => 'abcdefghij'[d]).replace(/[^a-z]/g, 'x');
// A text nobody wrote before: separate number words keep it unique after folding.
function commentText(writer, n) {
    return `Benchmarkreactie ${NONCE} van schrijver ${writer + 100} nummer ${n + 1000}: ` +
        'de ploeg speelde vandaag een degelijke match en verdient steun.';
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// A wait that does not keep the process alive on its own (for races against finishing work).
const grace = (ms) => new Promise((r) => setTimeout(r, ms).unref());

// ---- modes ----------------------------------------------------------------------------------------
async function login() {
    const emails = fs.readFileSync(need('emails'), 'utf8').split('\n').map((s) => s.trim()).filter(Boolean);
    const password = need('password');
    const sessions = [];
    // A few at a time: each login is an argon2 check on the server's blocking pool.
    const queue = emails.slice();
    const workers = Array.from({ length: 4 }, async () => {
        const ag = agent();
        while (queue.length) {
            const email = queue.shift();
            let r;
            for (let attempt = 0; attempt < 5; attempt++) {
                r = await request(ag, 'POST', '/api/v1/session', { body: { email, password } });
                if (r.status !== 429 && r.status !== 0) break;
                await sleep(1000);
            }
            if (r.status !== 200) die(`login of ${email}: HTTP ${r.status} ${r.error || r.body.slice(0, 300)}`);
            const set = [].concat(r.headers['set-cookie'] || []);
            const cookie = set.map((c) => c.split(';')[0]).find((c) => /^(__Host-tribune|tribune_sessie)=[0-9a-f]{32}$/.test(c));
            if (!cookie) die(`login of ${email}: no session cookie in ${JSON.stringify(set)}`);
            sessions.push({ email, cookie });
        }
        ag.destroy();
    });
    await Promise.all(workers);
    sessions.sort((a, b) => a.email.localeCompare(b.email));
    output(sessions);
    log(`${sessions.length} sessions`);
}

// Writers post top-level comments in a closed loop; readers fetch article pages in a closed loop.
async function load() {
    const sessions = readSessions();
    const articles = need('articles').split(',').map(Number);
    const paths = fs.readFileSync(need('paths'), 'utf8').split('\n').map((s) => s.trim()).filter(Boolean);
    const nWriters = Number(args.writers ?? 64);
    const nReaders = Number(args.readers ?? 16);
    const duration = Number(args.duration ?? 30) * 1000;
    const warmup = Number(args.warmup ?? 3) * 1000;
    if (sessions.length < nWriters) die(`${nWriters} writers need as many sessions; have ${sessions.length}`);

    const post = { latencies: [], statuses: {}, errors: {}, accepted: 0, verdicts: {}, errorSamples: {}, bySecond: [] };
    let measureStart = 0n;
    const read = { latencies: [], statuses: {}, errors: {}, bytes: 0 };
    let measuring = false;
    let stop = false;
    const t0 = Date.now();
    // Answers slower than 50 ms, with when they were due (ms after the measured window opened,
    // and wall-clock ms), so a stall can be matched with the server's log.
    const slow = [];
    const noteSlow = (kind, ms) => {
        if (ms <= 50 || slow.length >= 20000) return;
        const now = Number(process.hrtime.bigint() - measureStart) / 1e6;
        slow.push({ kind, due: Math.round(now - ms), wall: Math.round(Date.now() - ms), ms: Math.round(ms) });
    };

    // --rate R: the writers together offer R posts a second, each on its own schedule (open
    // loop); a post's latency counts from when it was due, so a slow answer that delays the
    // next post is counted against the server, not hidden. Without it: as fast as they can.
    const rate = Number(args.rate ?? 0);
    const interval = rate > 0 ? (nWriters * 1000) / rate : 0;
    const writer = async (w) => {
        const ag = agent();
        const { cookie } = sessions[w];
        let n = 0;
        let next = performance.now() + (interval * w) / nWriters;
        while (!stop) {
            let late = 0;
            if (interval) {
                const wait = next - performance.now();
                if (wait > 0) await sleep(wait);
                late = Math.max(0, performance.now() - next);
                next += interval;
                if (stop) break;
            }
            const article = articles[(w + n) % articles.length];
            const text = commentText(w, n++);
            const r = await request(ag, 'POST', `/api/v1/articles/${article}/comments`, { body: { body: text }, cookie });
            r.ms += late;
            if (!measuring || stop) continue;
            post.latencies.push(r.ms);
            noteSlow('post', r.ms);
            const second = Math.floor(Number(process.hrtime.bigint() - measureStart) / 1e9);
            // The last fraction of a second (answers arriving after the end) is left out here.
            if (second < duration / 1000) (post.bySecond[second] ??= []).push(r.status === 201 ? r.ms : -1);
            bump(post.statuses, r.status || `error:${r.error}`);
            if (r.status === 201) {
                const j = parseJson(r.body);
                const verdict = j?.status ?? 'unreadable';
                bump(post.verdicts, verdict);
                if (verdict === 'visible') post.accepted++;
            } else if (!post.errorSamples[r.status]) {
                post.errorSamples[r.status || r.error] = (r.body || '').slice(0, 300);
            }
            if (r.status === 0) await sleep(50);
        }
        ag.destroy();
    };
    // --read-rate R: the readers together offer R page reads a second, on schedules like the
    // writers'; without it they read as fast as they can (and take every spare cycle).
    const readRate = Number(args['read-rate'] ?? 0);
    const readInterval = readRate > 0 ? (nReaders * 1000) / readRate : 0;
    const reader = async (i) => {
        const ag = agent();
        let n = i;
        let next = performance.now() + (readInterval * i) / Math.max(nReaders, 1);
        while (!stop) {
            let late = 0;
            if (readInterval) {
                const wait = next - performance.now();
                if (wait > 0) await sleep(wait);
                late = Math.max(0, performance.now() - next);
                next += readInterval;
                if (stop) break;
            }
            const path = paths[n++ % paths.length];
            const r = await request(ag, 'GET', path, { wantBody: false });
            r.ms += late;
            if (!measuring || stop) continue;
            read.latencies.push(r.ms);
            noteSlow('read', r.ms);
            bump(read.statuses, r.status || `error:${r.error}`);
            if (r.status === 0) await sleep(50);
        }
        ag.destroy();
    };

    const cpu0 = process.cpuUsage();
    const tasks = [
        ...Array.from({ length: nWriters }, (_, w) => writer(w)),
        ...Array.from({ length: nReaders }, (_, i) => reader(i)),
    ];
    await sleep(warmup);
    measureStart = process.hrtime.bigint();
    measuring = true;
    const m0 = measureStart;
    const cpuM0 = process.cpuUsage();
    const srv0 = serverCpu();
    const mach0 = machineCpu();
    log(`measuring for ${duration / 1000} s (after ${warmup / 1000} s of warm-up)`);
    // The client's own stalls (garbage collection, a busy event loop) delay requests too and
    // would be counted against the server: a 10 ms tick records how late it fires.
    const lags = [];
    const lagAt = [];
    let tick = performance.now();
    const lagTimer = setInterval(() => {
        const now = performance.now();
        lags.push(Math.max(0, now - tick - 10));
        if (now - tick - 10 > 15 && lagAt.length < 5000) lagAt.push({ wall: Date.now(), lag: Math.round(now - tick - 10) });
        tick = now;
    }, 10);
    await sleep(duration);
    stop = true;
    clearInterval(lagTimer);
    const seconds = Number(process.hrtime.bigint() - m0) / 1e9;
    const cpu = process.cpuUsage(cpuM0);
    const srv1 = serverCpu();
    const mach1 = machineCpu();
    await Promise.race([Promise.all(tasks), grace(15_000)]);
    const total = process.cpuUsage(cpu0);

    const posts = summary(post.latencies);
    const reads = summary(read.latencies);
    output({
        seconds: Math.round(seconds * 100) / 100,
        writers: nWriters,
        readers: nReaders,
        offered_per_second: rate || null,
        reads_offered_per_second: readRate || null,
        articles,
        posts: {
            ...posts,
            per_second: Math.round((posts.count / seconds) * 10) / 10,
            accepted: post.accepted,
            accepted_per_second: Math.round((post.accepted / seconds) * 10) / 10,
            statuses: post.statuses,
            verdicts: post.verdicts,
            error_samples: post.errorSamples,
            // Per 5 s of the run: answered 201 per second and the p99 of those posts.
            timeline: Array.from({ length: Math.ceil(post.bySecond.length / 5) }, (_, i) => {
                const slice = post.bySecond.slice(i * 5, i * 5 + 5).flat().filter((x) => x >= 0);
                const secs = Math.min(5, Math.floor(duration / 1000) - i * 5);
                return { from_s: i * 5, per_second: Math.round(slice.length / secs), p99_ms: summary(slice).p99_ms };
            }),
        },
        reads: {
            ...reads,
            per_second: Math.round((reads.count / seconds) * 10) / 10,
            statuses: read.statuses,
        },
        client_lag: summary(lags),
        // Client ticks more than 15 ms late, as wall-clock ms: the client's own stalls.
        client_stalls: lagAt.filter((x) => x.lag > 15),
        slow,
        cpu: cpuSplit(srv0, srv1, mach0, mach1, cpu, seconds),
        client_cpu_total_s: Math.round(((total.user + total.system) / 1e6) * 10) / 10,
        wall_s: Math.round((Date.now() - t0) / 100) / 10,
    });
}

// Posts COUNT top-level comments to one article as fast as a few writers can.
async function fill() {
    const sessions = readSessions();
    const article = Number(need('article'));
    const count = Number(need('count'));
    const nWriters = Math.min(Number(args.writers ?? 16), sessions.length);
    const deadline = Date.now() + Number(args.limit ?? 300) * 1000;
    let next = 0;
    let done = 0;
    const statuses = {};
    const t0 = Date.now();
    const writer = async (w) => {
        const ag = agent();
        let n = 0;
        while (next < count && Date.now() < deadline) {
            next++;
            const r = await request(ag, 'POST', `/api/v1/articles/${article}/comments`, {
                body: { body: commentText(w, n++) },
                cookie: sessions[w].cookie,
            });
            bump(statuses, r.status || `error:${r.error}`);
            const j = r.status === 201 ? parseJson(r.body) : null;
            if (j?.status === 'visible') done++;
            else {
                next--; // try again with the next text
                if (r.status !== 201) {
                    log(`post: HTTP ${r.status} ${r.error || r.body.slice(0, 200)}`);
                    await sleep(200);
                }
            }
        }
        ag.destroy();
    };
    await Promise.all(Array.from({ length: nWriters }, (_, w) => writer(w)));
    const seconds = (Date.now() - t0) / 1000;
    output({ article, posted: done, seconds, statuses });
    if (done < count) die(`only ${done} of ${count} comments posted in time`);
    log(`${done} comments on article ${article} in ${seconds.toFixed(1)} s`);
}

// A closed-loop GET benchmark of one path (a small wrk).
async function readBench() {
    const path = need('path');
    const conns = Number(args.connections ?? 1);
    const duration = Number(args.duration ?? 10) * 1000;
    const warmup = Number(args.warmup ?? 2) * 1000;
    const latencies = [];
    const statuses = {};
    let bytes = 0;
    let measuring = false;
    let stop = false;
    const conn = async () => {
        const ag = agent();
        while (!stop) {
            const r = await request(ag, 'GET', path);
            if (!measuring || stop) continue;
            latencies.push(r.ms);
            bump(statuses, r.status || `error:${r.error}`);
            bytes += r.body.length;
        }
        ag.destroy();
    };
    const tasks = Array.from({ length: conns }, conn);
    await sleep(warmup);
    measuring = true;
    const m0 = process.hrtime.bigint();
    const cpuM0 = process.cpuUsage();
    const srv0 = serverCpu();
    const mach0 = machineCpu();
    await sleep(duration);
    stop = true;
    const seconds = Number(process.hrtime.bigint() - m0) / 1e9;
    const cpu = process.cpuUsage(cpuM0);
    const srv1 = serverCpu();
    const mach1 = machineCpu();
    await Promise.race([Promise.all(tasks), grace(15_000)]);
    const s = summary(latencies);
    const serverUs = srv0 === null || srv1 === null || !s.count ? null : Math.round(((srv1 - srv0) * 1e6) / s.count);
    output({
        path,
        connections: conns,
        seconds: Math.round(seconds * 100) / 100,
        ...s,
        per_second: Math.round((s.count / seconds) * 10) / 10,
        avg_bytes: s.count ? Math.round(bytes / s.count) : 0,
        statuses,
        cpu: cpuSplit(srv0, srv1, mach0, mach1, cpu, seconds),
        server_cpu_us_per_request: serverUs,
    });
}

// Writers post until the server stops answering (or --limit seconds pass); every 2xx answer is
// appended at once to --acked as a JSON line {id, article, body, status}, so nothing is lost
// however the run ends.
async function burst() {
    const sessions = readSessions();
    const articles = need('articles').split(',').map(Number);
    const nWriters = Math.min(Number(args.writers ?? 16), sessions.length);
    const limit = Number(args.limit ?? 30) * 1000;
    const ackedFd = fs.openSync(need('acked'), 'a');
    const deadline = Date.now() + limit;
    const statuses = {};
    let acked = 0;
    let lastAck = 0;
    const writer = async (w) => {
        const ag = agent();
        let n = 0;
        let failures = 0;
        // Stop after the server has been gone for a while (connection refused again and again).
        while (Date.now() < deadline && failures < 20) {
            const article = articles[(w + n) % articles.length];
            const text = commentText(w, n++);
            const r = await request(ag, 'POST', `/api/v1/articles/${article}/comments`, {
                body: { body: text },
                cookie: sessions[w].cookie,
                timeout: 5_000,
            });
            bump(statuses, r.status || `error:${r.error}`);
            if (r.status >= 200 && r.status < 300) {
                failures = 0;
                const j = parseJson(r.body);
                const id = j?.comment?.id;
                if (typeof id !== 'number') {
                    log(`2xx without a comment id: ${r.body.slice(0, 200)}`);
                    bump(statuses, 'unreadable-2xx');
                    continue;
                }
                fs.writeSync(ackedFd, JSON.stringify({ id, article, body: text, status: j.status }) + '\n');
                acked++;
                lastAck = Date.now();
            } else if (r.status === 0) {
                failures++;
                await sleep(100);
            } else {
                log(`HTTP ${r.status}: ${r.body.slice(0, 200)}`);
                await sleep(50);
            }
        }
        ag.destroy();
    };
    await Promise.all(Array.from({ length: nWriters }, (_, w) => writer(w)));
    fs.closeSync(ackedFd);
    output({ acked, statuses, last_ack_ms_ago: lastAck ? Date.now() - lastAck : null });
}

// After the restart: every acknowledged comment is there with its text, and for every article
// involved the count shown equals the public comments found by paging through the API.
async function verify() {
    const acked = fs.readFileSync(need('acked'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const ag = agent();
    const problems = [];
    let found = 0;
    const missing = [];
    const wrongText = [];
    const ids = new Set();
    for (const a of acked) {
        if (ids.has(a.id)) problems.push(`comment id ${a.id} was acknowledged twice`);
        ids.add(a.id);
    }
    // The acknowledged comments, a few requests at a time.
    const queue = acked.slice();
    await Promise.all(Array.from({ length: 8 }, async () => {
        const own = agent();
        while (queue.length) {
            const a = queue.shift();
            const r = await request(own, 'GET', `/api/v1/comments/${a.id}`);
            if (r.status !== 200) {
                missing.push({ id: a.id, status: r.status || r.error });
                continue;
            }
            const j = parseJson(r.body);
            // The public view has the rendered HTML only; the text is in it.
            const html = j?.html ?? '';
            if (j?.id !== a.id || !html.includes(a.body)) wrongText.push({ id: a.id, got: r.body.slice(0, 300) });
            else found++;
        }
        own.destroy();
    }));
    if (missing.length) problems.push(`${missing.length} acknowledged comments missing, e.g. ${JSON.stringify(missing.slice(0, 5))}`);
    if (wrongText.length) problems.push(`${wrongText.length} acknowledged comments with another text, e.g. ${JSON.stringify(wrongText.slice(0, 2))}`);

    const articles = [...new Set(acked.map((a) => a.article).concat((args.articles || '').split(',').filter(Boolean).map(Number)))].sort((x, y) => x - y);
    const perArticle = [];
    for (const article of articles) {
        const ar = await request(ag, 'GET', `/api/v1/articles/${article}`);
        const shown = ar.status === 200 ? parseJson(ar.body)?.comment_count : undefined;
        // Every page of top-level comments, oldest first, with the replies each thread has.
        let roots = 0;
        let replies = 0;
        let pages = 0;
        const seen = new Set();
        let after = null;
        let pagingError = null;
        while (pages < 10_000) {
            const q = after ? `?sort=oldest&after=${encodeURIComponent(after)}` : '?sort=oldest';
            const r = await request(ag, 'GET', `/api/v1/articles/${article}/comments${q}`);
            if (r.status !== 200) { pagingError = `HTTP ${r.status || r.error} on page ${pages + 1}`; break; }
            const page = parseJson(r.body);
            pages++;
            for (const t of page.comments) {
                if (seen.has(t.id)) { pagingError = `comment ${t.id} on two pages`; }
                seen.add(t.id);
                roots++;
                replies += t.replies.length + (t.more_replies || 0);
            }
            if (!page.next) break;
            after = page.next;
        }
        const ackedHere = acked.filter((a) => a.article === article);
        const ackedVisible = ackedHere.filter((a) => a.status === 'visible');
        const notListed = ackedVisible.filter((a) => !seen.has(a.id)).length;
        const row = {
            article,
            comment_count_shown: shown ?? `HTTP ${ar.status || ar.error}`,
            public_roots: roots,
            public_replies: replies,
            public_total: roots + replies,
            pages,
            acked: ackedHere.length,
            acked_visible_not_listed: notListed,
        };
        perArticle.push(row);
        if (pagingError) problems.push(`article ${article}: ${pagingError}`);
        if (shown !== roots + replies) problems.push(`article ${article}: comment_count ${row.comment_count_shown} but ${roots + replies} public comments (${roots} top-level + ${replies} replies)`);
        if (notListed) problems.push(`article ${article}: ${notListed} acknowledged visible comments are not in the list`);
    }
    ag.destroy();
    output({ ok: problems.length === 0, acked: acked.length, found, articles: perArticle, problems });
}

const modes = { login, load, fill, read: readBench, burst, verify };
if (!modes[mode]) die(`unknown mode ${mode}; use one of ${Object.keys(modes).join(', ')}`);
// A hard bound on any mode, whatever happens.
setTimeout(() => die('gave up: the mode ran for over 20 minutes'), 20 * 60 * 1000).unref();
modes[mode]().catch((e) => die(e.stack || String(e)));
