/** Every TypeScript block in the README compiles against the built package, as a user's file would. */
import { expect } from 'chai';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

const root = path.resolve(__dirname, '..');

function readmeBlocks(): Array<{ line: number; code: string }> {
  const text = readFileSync(path.join(root, 'README.md'), 'utf8');
  const blocks: Array<{ line: number; code: string }> = [];
  const fence = /^```ts\n([\s\S]*?)^```$/gm;
  for (let match = fence.exec(text); match; match = fence.exec(text)) {
    blocks.push({ line: text.slice(0, match.index).split('\n').length, code: match[1] });
  }
  return blocks;
}

describe('README', function () {
  this.timeout(120_000);

  it('should have TypeScript blocks that compile as ES modules importing bigrays', () => {
    const blocks = readmeBlocks();
    expect(blocks.length).to.be.greaterThan(5);
    // Inside the package, so that `from 'bigrays'` resolves to it (package self-reference).
    const dir = path.join(root, '.readme-blocks');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    try {
      const files = blocks.map((block, i) => {
        const file = path.join(dir, `block-${i + 1}-line-${block.line}.mts`);
        writeFileSync(file, block.code);
        return file;
      });
      const program = ts.createProgram(files, {
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.Node16,
        moduleResolution: ts.ModuleResolutionKind.Node16,
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: ['node'],
      });
      const problems = ts.getPreEmitDiagnostics(program).map((d) => {
        const where = d.file ? `${path.basename(d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : '';
        return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
      });
      expect(problems, problems.join('\n')).to.deep.equal([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
