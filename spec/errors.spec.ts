import { expect } from 'chai';
import { BaseTask, bigraysRun, BigraysError, register, TaskError, TaskInterfaceError } from '../lib';

describe('the error tree', () => {
  it('should make TaskInterfaceError a kind of TaskError, as in the original', () => {
    const error = new TaskInterfaceError('Upload must define `bucket`', { attributes: { Upload: ['bucket'] } });
    expect(error).to.be.instanceOf(TaskError).and.to.be.instanceOf(BigraysError);
    expect(error.name).to.equal('TaskInterfaceError');
    expect(error.attributes).to.deep.equal({ Upload: ['bucket'] });
  });

  it('should let `catch (e) { if (e instanceof TaskError) … }` see a missing attribute', async () => {
    abstract class Upload extends BaseTask<void> {
      static override requiredAttributes = ['bucket'];
      bucket?: string;
      run() {}
    }
    @register class NoBucket extends Upload {}
    let seen: string | undefined;
    try {
      await bigraysRun();
    } catch (e) {
      if (e instanceof TaskError) seen = `${e.name}: ${e.message}`;
    }
    expect(seen).to.match(/^TaskInterfaceError: .*NoBucket must define `bucket`/s);
    expect(NoBucket).to.be.a('function');
  });
});
