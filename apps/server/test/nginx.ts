import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './helpers.js';

const TEMPLATE = path.resolve(import.meta.dirname, '../../../deploy/nginx.conf.template');
/** Debian's nginx; /usr/sbin is not on every PATH. */
const NGINX = existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';

export interface Nginx {
  url: string;
  stop(): Promise<void>;
}

/**
 * nginx with deploy/nginx.conf.template, filled in as scripts/cluster.sh fills it, in front of
 * `upstreams` (host:port each): the shipped proxy path, on this machine. Resolves once nginx answers
 * /healthz through an upstream.
 */
export async function startNginx(upstreams: readonly string[]): Promise<Nginx> {
  const runtime = mkdtempSync(path.join(tmpdir(), 'huddle-nginx-'));
  for (const dir of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(path.join(runtime, dir));
  const port = await freePort();
  const config = path.join(runtime, 'nginx.conf');
  const servers = upstreams.map((u) => `    server ${u} max_fails=1 fail_timeout=5s;`).join('\n');
  writeFileSync(
    config,
    readFileSync(TEMPLATE, 'utf8')
      .replaceAll('@RUNTIME@', runtime)
      .replaceAll('@LISTEN@', `127.0.0.1:${port}`)
      .replaceAll('@SERVERS@', servers),
  );
  const nginx = spawn(NGINX, ['-p', runtime, '-c', config, '-g', 'daemon off;'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  // nginx never outlives the test process, whatever ends it.
  const orphanGuard = () => nginx.kill('SIGKILL');
  process.once('exit', orphanGuard);
  const exited = new Promise<void>((resolve) => nginx.once('exit', () => resolve()));
  void exited.then(() => process.off('exit', orphanGuard));
  const stop = async () => {
    if (nginx.exitCode === null && nginx.signalCode === null) {
      nginx.kill('SIGTERM');
      await exited;
    }
    rmSync(runtime, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; ; attempt += 1) {
    if (nginx.exitCode !== null) {
      await stop();
      throw new Error(`nginx exited with ${nginx.exitCode}`);
    }
    const ready = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return { url, stop };
    if (attempt >= 200) {
      await stop();
      throw new Error('nginx did not answer /healthz within 10 s');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
