import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repositoryRoot } from '../../proto/repository-root.js';

const issueCerts = join(repositoryRoot, 'deploy/tls/issue-certs.sh');

export interface TestPki {
  dir: string;
  /** The CA, the collector's certificate (localhost, 127.0.0.1) and node-a's and node-b's, through deploy/tls/issue-certs.sh. */
  path(name: string): string;
  read(name: string): Buffer;
  /** node-a's certificate from another CA, which the collector does not trust. */
  strangerDir: string;
}

/** A private CA like the one deploy/tls/issue-certs.sh makes for a site, plus the bad certificates tests need. */
export function createTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'powerprof-pki-'));
  const issue = (...args: string[]): void => void execFileSync('sh', [issueCerts, dir, ...args], { stdio: 'pipe' });
  issue('ca');
  issue('collector', 'localhost', 'IP:127.0.0.1');
  issue('node', 'node-a');
  issue('node', 'node-b');
  const strangerDir = join(dir, 'stranger');
  execFileSync('sh', [issueCerts, strangerDir, 'ca'], { stdio: 'pipe' });
  execFileSync('sh', [issueCerts, strangerDir, 'node', 'node-a'], { stdio: 'pipe' });
  issueExpired(dir);
  return { dir, path: (name) => join(dir, name), read: (name) => readFileSync(join(dir, name)), strangerDir };
}

/** node-a-expired.crt: signed by the CA, valid for one day in 2020 (openssl ca can set the dates). */
function issueExpired(dir: string): void {
  const run = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '1000\n');
  writeFileSync(
    join(dir, 'ca.cnf'),
    '[ca]\ndefault_ca = test\n[test]\ndatabase = index.txt\nnew_certs_dir = .\nserial = serial\ndefault_md = sha256\npolicy = any\ncopy_extensions = copy\n[any]\ncommonName = supplied\n',
  );
  run('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'node-a-expired.key');
  run('req', '-new', '-key', 'node-a-expired.key', '-subj', '/CN=node-a', '-addext', 'subjectAltName=DNS:node-a', '-out', 'node-a-expired.csr');
  run(
    'ca',
    '-batch',
    '-config',
    'ca.cnf',
    '-cert',
    'ca.crt',
    '-keyfile',
    'ca.key',
    '-in',
    'node-a-expired.csr',
    '-out',
    'node-a-expired.crt',
    '-startdate',
    '20200101000000Z',
    '-enddate',
    '20200102000000Z',
    '-notext',
  );
}
