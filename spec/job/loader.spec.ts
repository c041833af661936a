/** How the job's process loads a job script: by its extension and its package. */
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { jobLoader, tsxImportArgs } from '../../lib/job/loader';

describe('the job loader', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'bigrays-loader-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const file = (name: string, text = 'export {};\n'): string => {
    writeFileSync(path.join(dir, name), text);
    return path.join(dir, name);
  };

  it('should load JavaScript on plain node', () => {
    for (const name of ['job.js', 'job.mjs', 'job.cjs']) expect(jobLoader(file(name)), name).to.equal('node');
  });

  it('should load CommonJS TypeScript with tsx\'s require hook alone', () => {
    expect(jobLoader(file('job.ts'))).to.equal('tsx-require');
    expect(jobLoader(file('job.cts'))).to.equal('tsx-require');
    writeFileSync(path.join(dir, 'package.json'), '{ "type": "commonjs" }');
    expect(jobLoader(file('job.ts'))).to.equal('tsx-require');
  });

  it('should load ES module TypeScript, and a script that calls import(), with tsx in full', () => {
    expect(jobLoader(file('job.mts'))).to.equal('tsx');
    expect(jobLoader(file('lazy.ts', "export const later = () => import('./other');\n"))).to.equal('tsx');
    expect(jobLoader(file('job.tsx'))).to.equal('tsx');
    writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }');
    expect(jobLoader(file('job.ts'))).to.equal('tsx');
    expect(jobLoader(file('job.cts'))).to.equal('tsx-require');
    expect(jobLoader(file('job.mjs'))).to.equal('node');
  });

  it('should start a process with bigrays\' own tsx in full when asked', () => {
    const [flag, url] = tsxImportArgs();
    expect(flag).to.equal('--import');
    expect(fileURLToPath(url)).to.match(/node_modules[\\/]tsx[\\/]/);
  });
});
