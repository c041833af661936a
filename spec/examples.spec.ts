/** Every example job runs, as a user would run it. */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..');
const examples = readdirSync(path.join(root, 'examples')).filter((f) => f.endsWith('.ts')).sort();

describe('examples', function () {
  this.timeout(120_000);

  for (const file of examples) {
    it(`should run examples/${file} to success`, () => {
      const result = spawnSync(path.join(root, 'node_modules/.bin/tsx'), [path.join('examples', file)], {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, DEBUG: '' },
      });
      expect(result.stderr, result.stderr).to.not.match(/Error/);
      expect(result.status, result.stdout + result.stderr).to.equal(0);
      expect(result.stdout).to.match(/\bok\b/);
      expect(result.stdout).to.not.match(/\bfailed\b/);
    });
  }

  it('should include the demo that `npm run demo` runs', () => {
    const pkg = require(path.join(root, 'package.json')) as { scripts: Record<string, string> };
    const demo = /examples\/[\w-]+\.ts/.exec(pkg.scripts.demo)?.[0];
    expect(demo, 'npm run demo names an example').to.be.a('string');
    expect(examples).to.include(path.basename(demo!));
  });
});
