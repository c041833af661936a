/**
 * ListS3Objects: every key under a prefix (all pages, not only the first 1000), filtered by
 * suffix.
 *
 *   bigrays run examples/tasks/list-s3-objects.ts --local
 */
import { bigraysRun, ListS3Objects, outputOf, register, ToS3 } from 'bigrays';

const upload = (key: string) => {
  const Upload = class extends ToS3 {
    bucket = 'landing';
    overwriteIfExists = true;
    input = `contents of ${key}`;
    key = key;
  };
  Object.defineProperty(Upload, 'name', { value: `Upload_${key.replace(/\W/g, '_')}` });
  register(Upload);
};
['raw/2026-03-01.csv', 'raw/2026-03-02.csv', 'raw/notes.txt', 'archive/2026-02-28.csv'].forEach(upload);

@register
class RawCsvFiles extends ListS3Objects {
  bucket = 'landing';
  prefix = 'raw/';
  suffix = '.csv';
}

void bigraysRun().then(() => console.log(outputOf(RawCsvFiles)));
