// Drives pg-boss or graphile-worker for bench/peers.py through each one's own published API.
//
//     node bench/peers/node_driver.mjs pgboss|graphile
//
// One JSON command a line on stdin, one JSON reply a line on stdout (the protocol is described
// in bench/peers.py). Every command gets its own clients, with a pool of as many connections as
// the command's concurrency, and closes them before it replies "closed".
import { createInterface } from "node:readline";
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import pg from "pg";
import PgBoss from "pg-boss";
import { Logger, makeWorkerUtils, run, runMigrations } from "graphile-worker";

const system = process.argv[2];
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const say = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");
const next = async () => {
  const { value, done } = await lines.next();
  if (done) process.exit(0);
  return JSON.parse(value);
};
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// pg-boss 10 has no uniqueness for a bare singletonKey on a "standard" queue: the keyed jobs go
// to a queue whose policy makes singletonKey unique (see docs/benchmarks.md).
const PGBOSS_QUEUES = { plain: "bench", keyed: "bench_key", drain: "drain" };
const PGBOSS_KEYED_POLICY = "stately";
const PGBOSS_BATCH = 100;
// graphile-worker logs every job at info level; keep its errors only.
const quiet = {
  logger: new Logger(() => (level, message) => {
    if (level === "error") console.error(`graphile-worker: ${message}`);
  }),
};

function job(key) {
  return { n: 1, key: key ? randomUUID() : null };
}

// ---- pg-boss -------------------------------------------------------------------------------
async function pgbossClient(url, c) {
  const boss = new PgBoss({ connectionString: url, max: c });
  boss.on("error", (err) => console.error("pg-boss:", err.message));
  await boss.start();
  return boss;
}

const pgboss = {
  async install(url) {
    const boss = await pgbossClient(url, 2);
    await boss.createQueue(PGBOSS_QUEUES.plain);
    await boss.createQueue(PGBOSS_QUEUES.keyed, { policy: PGBOSS_KEYED_POLICY });
    await boss.createQueue(PGBOSS_QUEUES.drain);
    await boss.stop({ graceful: false, wait: true });
  },
  async enqueuer(url, c, kind, keyed) {
    const boss = await pgbossClient(url, c);
    const queue = keyed ? PGBOSS_QUEUES.keyed : PGBOSS_QUEUES.plain;
    const op =
      kind === "single"
        ? async () => {
            await boss.send(queue, { n: 1 }, keyed ? { singletonKey: randomUUID() } : {});
            return 1;
          }
        : async (size) => {
            const jobs = [];
            for (let i = 0; i < size; i++) {
              jobs.push(
                keyed
                  ? { name: queue, data: { n: i }, singletonKey: randomUUID() }
                  : { name: queue, data: { n: i } },
              );
            }
            await boss.insert(jobs);
            return size;
          };
    return { op, close: () => boss.stop({ graceful: false, wait: true }) };
  },
  async fill(url, n) {
    const boss = await pgbossClient(url, 2);
    for (let done = 0; done < n; done += 1000) {
      const jobs = [];
      for (let i = done; i < Math.min(n, done + 1000); i++) {
        jobs.push({ name: PGBOSS_QUEUES.drain, data: { n: i } });
      }
      await boss.insert(jobs);
    }
    await boss.stop({ graceful: false, wait: true });
  },
  // pg-boss 10's concurrency is one work() call per concurrent worker (teamSize is gone). Each
  // worker sleeps out its polling interval (at least 0.5 s) after every fetch unless the fetch
  // took longer, so its throughput is batchSize per interval: it fetches 100 jobs at a time.
  async worker(url, c, handle) {
    const boss = await pgbossClient(url, c + 2);
    const options = { pollingIntervalSeconds: 0.5, batchSize: PGBOSS_BATCH };
    for (let i = 0; i < c; i++) {
      await boss.work(PGBOSS_QUEUES.drain, options, async (jobs) => {
        for (const _ of jobs) handle();
      });
    }
    return () => boss.stop({ graceful: true, wait: true, timeout: 5000 });
  },
};

// ---- graphile-worker ---------------------------------------------------------------------------
const graphile = {
  async install(url) {
    await runMigrations({ connectionString: url, ...quiet });
  },
  async enqueuer(url, c, kind, keyed) {
    const pool = new pg.Pool({ connectionString: url, max: c });
    pool.on("error", (err) => console.error("pg pool:", err.message));
    pool.on("connect", (client) => client.on("error", (err) => console.error("pg:", err.message)));
    const utils = await makeWorkerUtils({ pgPool: pool, ...quiet });
    const op =
      kind === "single"
        ? async () => {
            await utils.addJob("noop", { n: 1 }, keyed ? { jobKey: randomUUID() } : {});
            return 1;
          }
        : async (size) => {
            const specs = [];
            for (let i = 0; i < size; i++) {
              specs.push(
                keyed
                  ? { identifier: "noop", payload: { n: i }, jobKey: randomUUID() }
                  : { identifier: "noop", payload: { n: i } },
              );
            }
            await utils.addJobs(specs);
            return size;
          };
    return {
      op,
      close: async () => {
        await utils.release();
        await pool.end();
      },
    };
  },
  async fill(url, n) {
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    pool.on("error", (err) => console.error("pg pool:", err.message));
    pool.on("connect", (client) => client.on("error", (err) => console.error("pg:", err.message)));
    const utils = await makeWorkerUtils({ pgPool: pool, ...quiet });
    for (let done = 0; done < n; done += 1000) {
      const specs = [];
      for (let i = done; i < Math.min(n, done + 1000); i++) {
        specs.push({ identifier: "noop", payload: { n: i } });
      }
      await utils.addJobs(specs);
    }
    await utils.release();
    await pool.end();
  },
  async worker(url, c, handle) {
    const runner = await run({
      connectionString: url,
      concurrency: c,
      noHandleSignals: true,
      taskList: {
        noop: async () => {
          handle();
        },
      },
      ...quiet,
    });
    return () => runner.stop();
  },
};

const systems = { pgboss, graphile };
const impl = systems[system];
if (!impl) {
  console.error(`usage: node_driver.mjs ${Object.keys(systems).join("|")}`);
  process.exit(2);
}

async function enqueue(cmd) {
  const clients = [];
  // One client with a pool of c connections, driven by c concurrent loops (as an app would).
  const client = await impl.enqueuer(cmd.url, cmd.c, cmd.kind, cmd.key);
  clients.push(client);
  const size = cmd.kind === "single" ? 1 : cmd.batch;
  // Each loop runs at least `least` calls, so the warm-up opens every pooled connection.
  const loop = async (seconds, least = 0) => {
    const deadline = performance.now() + seconds * 1000;
    let ops = 0;
    await Promise.all(
      Array.from({ length: cmd.c }, async () => {
        for (let calls = 0; calls < least || performance.now() < deadline; calls++) {
          ops += await client.op(size);
        }
      }),
    );
    return ops;
  };
  await loop(cmd.warmup, 3);
  say({ ready: true });
  await next(); // go
  const started = performance.now();
  const ops = await loop(cmd.seconds);
  say({ ops, seconds: (performance.now() - started) / 1000 });
  await client.close();
}

async function drain(cmd) {
  await impl.fill(cmd.url, cmd.n);
  say({ ready: true });
  await next(); // go
  const every = Math.max(1, Math.floor(cmd.n / 20));
  let count = 0;
  let finished;
  const done = new Promise((resolve) => (finished = resolve));
  const handle = () => {
    count += 1;
    if (count === 1 || count % every === 0 || count === cmd.n) say({ progress: count });
    if (count === cmd.n) finished();
  };
  const stop = await impl.worker(cmd.url, cmd.c, handle);
  await Promise.race([done, sleep(cmd.timeout * 1000)]);
  say({ done: count });
  await stop();
}

for (;;) {
  const cmd = await next();
  if (cmd.op === "quit") break;
  try {
    if (cmd.op === "install") await impl.install(cmd.url);
    else if (cmd.op === "enqueue") await enqueue(cmd);
    else if (cmd.op === "drain") await drain(cmd);
    else throw new Error(`unknown op ${cmd.op}`);
    say({ closed: true });
  } catch (err) {
    say({ error: String(err && err.stack ? err.stack : err) });
  }
}
process.exit(0);
