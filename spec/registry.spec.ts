import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ts from 'typescript';
import { bigraysRun, clearRegistry, register, registeredTasks, Task, TaskInterfaceError } from '../lib';

describe('register', () => {
  it('should register classes in call order and run them in that order', async () => {
    const ran: string[] = [];
    class First extends Task { run() { ran.push('First'); } }
    class Second extends Task { run() { ran.push('Second'); } }
    expect(register(Second)).to.equal(Second);
    register(First);
    expect(registeredTasks()).to.deep.equal([Second, First]);
    const report = await bigraysRun();
    expect(ran).to.deep.equal(['Second', 'First']);
    expect(report.tasks.map((t) => t.name)).to.deep.equal(['Second', 'First']);
  });

  it('should work as a standard (TC39) class decorator', async () => {
    const ran: string[] = [];
    @register class Pull extends Task<number> { run() { ran.push('Pull'); return 1; } }
    @register class Push extends Task { run() { ran.push('Push'); } }
    expect(registeredTasks()).to.deep.equal([Pull, Push]);
    expect(Pull.name).to.equal('Pull');
    await bigraysRun();
    expect(ran).to.deep.equal(['Pull', 'Push']);
  });

  it('should work as a legacy experimentalDecorators class decorator', async () => {
    const source = `
      import { register, Task, bigraysRun } from ${JSON.stringify(path.resolve(__dirname, '../lib'))};
      export const ran: string[] = [];
      @register class LegacyA extends Task { run() { ran.push('LegacyA'); } }
      @register class LegacyB extends Task { run() { ran.push('LegacyB'); } }
      export const classes = [LegacyA, LegacyB];
      export const run = () => bigraysRun();
    `;
    const { outputText, diagnostics } = ts.transpileModule(source, {
      compilerOptions: { experimentalDecorators: true, module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
      reportDiagnostics: true,
    });
    expect(diagnostics ?? []).to.have.length(0);
    expect(outputText).to.contain('__decorate');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bigrays-legacy-'));
    const file = path.join(dir, 'job.js');
    fs.writeFileSync(file, outputText);
    const job = require(file) as { ran: string[]; classes: unknown[]; run: () => Promise<unknown> };
    fs.rmSync(dir, { recursive: true, force: true }); // loaded: the file is no longer needed
    expect(registeredTasks()).to.deep.equal(job.classes);
    await job.run();
    expect(job.ran).to.deep.equal(['LegacyA', 'LegacyB']);
  });

  it('should empty the registry on clearRegistry()', async () => {
    register(class Lonely extends Task { run() {} });
    clearRegistry();
    expect(registeredTasks()).to.deep.equal([]);
    expect((await bigraysRun()).tasks).to.deep.equal([]);
  });

  it('should refuse something that is not a task class, and a class registered twice', () => {
    expect(() => register((() => 1) as never)).to.throw(TaskInterfaceError, /register\(\) takes a task class/);
    expect(() => register(class NotATask {} as never)).to.throw(TaskInterfaceError, /got class NotATask/);
    class Twice extends Task { run() {} }
    register(Twice);
    expect(() => register(Twice)).to.throw(TaskInterfaceError, /Twice is registered already/);
  });

  it('should run exactly the classes passed to bigraysRun(A, B), in that order, ignoring the registry', async () => {
    const ran: string[] = [];
    @register class Registered extends Task { run() { ran.push('Registered'); } }
    class A extends Task { run() { ran.push('A'); } }
    class B extends Task { run() { ran.push('B'); } }
    await bigraysRun(B, A);
    expect(ran).to.deep.equal(['B', 'A']);
    expect(registeredTasks()).to.deep.equal([Registered]);
  });
});
