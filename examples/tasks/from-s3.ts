/**
 * FromS3: download an object as a Buffer. A missing object fails naming bucket and key.
 *
 *   bigrays run examples/tasks/from-s3.ts --local
 */
import { bigraysRun, FromS3, outputOf, register, ToS3 } from 'bigrays';

@register
class Upload extends ToS3 {
  bucket = 'configs';
  key = 'app/settings.json';
  overwriteIfExists = true;
  input = JSON.stringify({ retries: 3, regions: ['eu-west-1', 'us-east-1'] });
}

@register
class Download extends FromS3 {
  bucket = 'configs';
  key = 'app/settings.json';
}

void bigraysRun().then(() => {
  const settings = JSON.parse(outputOf(Download).toString('utf8')) as { retries: number };
  console.log(`retries: ${settings.retries}`);
});
