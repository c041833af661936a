import { expect } from 'chai';
import {
  bigraysRun, BigraysConfig, BigraysError, register, Resource, ResourceError, Task, type ConfigValues,
} from '../../lib';
import { RecordingResource, type Event } from '../helpers';

describe('resources', () => {
  let events: Event[];
  beforeEach(() => {
    events = [];
  });

  it('should keep one resource open across consecutive tasks, and across tasks that need none', async () => {
    const db = new RecordingResource('db', events);
    const s3 = new RecordingResource('s3', events);
    const handles: number[] = [];
    const task = (name: string, resource?: RecordingResource, resourceConfig?: ConfigValues) => {
      const cls = class extends Task {
        requiredResource = resource;
        resourceConfig = resourceConfig;
        run() {
          events.push(`run ${name}`);
          if (resource) handles.push(resource.handle.id);
        }
      };
      Object.defineProperty(cls, 'name', { value: name });
      register(cls);
    };
    task('Query1', db);
    task('Query2', db, {});
    task('Compute');
    task('Query3', db, { DB_DSN: undefined });
    task('Query4', db, { DB_DSN: 'sqlite:other.db' });
    task('Query5', db, { DB_DSN: 'sqlite:other.db' });
    task('Upload', s3);
    task('Query6', db);
    await bigraysRun();
    expect(events).to.deep.equal([
      'open db', 'run Query1', 'run Query2', 'run Compute', 'run Query3',
      'close db', 'open db', 'run Query4', 'run Query5',
      'close db', 'open s3', 'run Upload',
      'close s3', 'open db', 'run Query6',
      'close db',
    ]);
    expect(handles[0]).to.equal(handles[1]);
    expect(handles[1]).to.equal(handles[2]);
    expect(handles[3]).to.not.equal(handles[2]);
    expect(handles[3]).to.equal(handles[4]);
  });

  it('should pass open() the global config with resourceConfig merged over it', async () => {
    BigraysConfig.DB_DSN = 'sqlite:global.db';
    BigraysConfig.DB_USER = 'etl';
    const db = new RecordingResource('db', events);
    let seen: ConfigValues = {};
    @register class Other extends Task {
      requiredResource = db;
      resourceConfig = { DB_DSN: 'sqlite:other.db' };
      run() { seen = db.handle.config; }
    }
    await bigraysRun();
    expect(seen).to.include({ DB_DSN: 'sqlite:other.db', DB_USER: 'etl' });
    expect(Other).to.be.a('function');
  });

  it('should share an open resource between equal instances of one resource class', async () => {
    const ids: number[] = [];
    @register class A extends Task { requiredResource = new RecordingResource('db', events); run() { ids.push(this.requiredResource.handle.id); } }
    @register class B extends Task { requiredResource = new RecordingResource('db', events); run() { ids.push(this.requiredResource.handle.id); } }
    @register class C extends Task { requiredResource = new RecordingResource('warehouse', events); run() {} }
    await bigraysRun();
    expect(events).to.deep.equal(['open db', 'close db', 'open warehouse', 'close warehouse']);
    expect(ids[0]).to.equal(ids[1]);
    expect(A && B && C).to.be.a('function');
  });

  it('should throw ResourceError when a handle is used while closed', async () => {
    const db = new RecordingResource('db', events);
    expect(() => db.handle).to.throw(ResourceError, /RecordingResource is not open/);
    @register class Uses extends Task { requiredResource = db; run() { expect(db.isOpen).to.equal(true); } }
    await bigraysRun();
    expect(db.isOpen).to.equal(false);
    expect(() => db.handle).to.throw(ResourceError);
    expect(Uses).to.be.a('function');
  });

  it('should close the resource when a task throws, passing the error, and skip the rest', async () => {
    const db = new RecordingResource('db', events);
    @register class Fine extends Task { requiredResource = db; run() { events.push('run Fine'); } }
    @register class Breaks extends Task { requiredResource = db; run(): void { events.push('run Breaks'); throw new Error('bad sql'); } }
    @register class Never extends Task { requiredResource = db; run() { events.push('run Never'); } }
    await expect(bigraysRun()).to.be.rejectedWith(BigraysError, /Breaks/);
    expect(events).to.deep.equal(['open db', 'run Fine', 'run Breaks', 'close db (after error)']);
    expect(Fine && Breaks && Never).to.be.a('function');
  });

  it('should close the open resource when the next one fails to open, and report a ResourceError', async () => {
    const db = new RecordingResource('db', events);
    const s3 = new RecordingResource('s3', events, { failOpen: true });
    @register class Query extends Task { requiredResource = db; run() { events.push('run Query'); } }
    @register class Upload extends Task { requiredResource = s3; run() { events.push('run Upload'); } }
    @register class Alert extends Task { runWithExceptions = true; requiredResource = db; run() { events.push('run Alert'); } }
    const error = (await bigraysRun().catch((e: unknown) => e)) as BigraysError;
    expect(events).to.deep.equal(['open db', 'run Query', 'close db', 'open-failed s3', 'open db', 'run Alert', 'close db']);
    expect(error.errors[0]).to.be.instanceOf(ResourceError);
    expect((error.errors[0] as Error).message).to.equal('Upload: could not open RecordingResource: cannot reach s3');
    expect(error.report!.tasks.map((t) => t.status)).to.deep.equal(['ok', 'failed', 'ok']);
    expect(Query && Upload && Alert).to.be.a('function');
  });

  it('should leave nothing open when open() itself throws for the only resource', async () => {
    const s3 = new RecordingResource('s3', events, { failOpen: true });
    @register class Upload extends Task { requiredResource = s3; run() {} }
    await expect(bigraysRun()).to.be.rejectedWith(BigraysError, /Upload/);
    expect(events).to.deep.equal(['open-failed s3']);
    expect(s3.isOpen).to.equal(false);
    expect(Upload).to.be.a('function');
  });

  it('should report a failure to close at the end of an otherwise good run', async () => {
    const db = new RecordingResource('db', events, { failClose: true });
    @register class Query extends Task { requiredResource = db; run() {} }
    const error = (await bigraysRun().catch((e: unknown) => e)) as BigraysError;
    expect(error).to.be.instanceOf(BigraysError);
    expect(error.message).to.match(/could not close RecordingResource: close of db broke/);
    expect(error.errors[0]).to.be.instanceOf(ResourceError);
    expect(error.report!.tasks[0].status).to.equal('ok');
    expect(Query).to.be.a('function');
  });

  it('should support a custom resource written the documented way', async () => {
    class Counter extends Resource<{ n: number }> {
      requiredConfigs = ['COUNTER_START'];
      async open(config: ConfigValues) { return { n: Number(config.COUNTER_START) }; }
      async close(handle: { n: number }) { events.push(`closed at ${handle.n}`); }
    }
    const counter = new Counter();
    process.env.BIGRAYS_COUNTER_START = '10';
    @register class Inc extends Task<number> { requiredResource = counter; run() { return ++counter.handle.n; } }
    @register class Inc2 extends Task<number> { requiredResource = counter; run() { return ++counter.handle.n; } }
    await bigraysRun();
    expect(Inc2.output).to.equal(12);
    expect(events).to.deep.equal(['closed at 12']);
    expect(Inc).to.be.a('function');
  });
});
