/** The keyword store: which `--set` keys a job never uses, and the keyword a typo was meant for. */
import { expect } from 'chai';
import { closest, editDistance, KeywordStore, unusedSetWarning } from '../lib/keywords';

describe('keyword store', () => {
  it('should count an edit, a missing letter and two swapped letters as one', () => {
    expect(editDistance('bgin', 'begin')).to.equal(1);
    expect(editDistance('ned', 'end')).to.equal(1);
    expect(editDistance('dya', 'day')).to.equal(1);
    expect(editDistance('region', 'begin')).to.equal(2);
  });

  it('should suggest the closest keyword only when it is near', () => {
    expect(closest('bgin', ['end', 'begin'])).to.equal('begin');
    expect(closest('DAY', ['day'])).to.equal('day');
    expect(closest('zzz', ['day', 'begin'])).to.equal(undefined);
    expect(closest('region', ['begin']), 'two edits make another word of a short name').to.equal(undefined);
    expect(closest('end_dayy', ['end_day'])).to.equal('end_day');
  });

  it('should report --set keys no template uses and the job neither sets nor reads', () => {
    const store = new KeywordStore();
    store.update({ begin: '2026-01-01' });
    store.pin({ bgin: '2026-02-01', name: 'Ada', flag: 'yes', own: 'x', dumped: '1' });
    store.noteUsed(['name', 'end'], { own: 'task value' });
    const view = store.watched(store.all());
    expect(view.flag).to.equal('yes'); // the job's code reads it
    expect(store.unusedPinned()).to.deep.equal([
      { name: 'bgin', closest: 'begin' },
      { name: 'dumped', closest: undefined },
    ]);
    expect(unusedSetWarning(store)).to.equal(
      '--set bgin=… changes nothing: no template of this job uses {bgin}, and the job sets and reads no keyword `bgin`. Did you mean --set begin=…?\n' +
        '--set dumped=… changes nothing: no template of this job uses {dumped}, and the job sets and reads no keyword `dumped`\n' +
        "The job's templates use: end, name.",
    );
  });

  it('should hand the job plain objects it can copy, clone and change', () => {
    const store = new KeywordStore();
    store.update({ a: 1 });
    store.pin({ day: '2026-01-01' });
    const kws = store.watched(store.all());
    expect(structuredClone(kws)).to.deep.equal({ a: 1, day: '2026-01-01' });
    kws.day = '2026-02-01';
    expect({ ...kws }).to.deep.equal({ a: 1, day: '2026-02-01' });
    expect(store.all().day, 'the store keeps its own').to.equal('2026-01-01');
    expect(unusedSetWarning(store), 'read by the job').to.equal(undefined);
  });
});
