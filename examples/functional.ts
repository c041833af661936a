/**
 * The functional interface: each call runs one task right away (opening and closing its own
 * resource) and resolves to its output. No classes, no registry.
 *
 *   bigrays run examples/functional.ts --local      (or: npx tsx examples/functional.ts, with config set)
 */
import { fromS3, listS3Objects, snsPublishEmail, sqlExecute, sqlQuery, sqlWrite, toCSV, toS3 } from 'bigrays';

async function main(): Promise<void> {
  await sqlWrite({
    tablename: 'visits',
    ifExists: 'replace',
    input: [
      { page: '/home', visits: 1200 },
      { page: '/pricing', visits: 310 },
      { page: '/docs', visits: 870 },
    ],
  });
  await sqlExecute({ statement: 'delete from visits where visits < :minimum', params: { minimum: 500 } });
  const top = await sqlQuery({ query: 'select page, visits from visits order by visits desc' });

  const upload = await toS3({ input: top, bucket: 'web-stats', key: 'top-pages/{day}.csv', formatKws: { day: '2026-03-01' }, overwriteIfExists: true });
  const keys = await listS3Objects({ bucket: 'web-stats', prefix: 'top-pages/' });
  const csv = (await fromS3({ bucket: 'web-stats', key: keys[0] })).toString('utf8');
  const saved = await toCSV({ input: top, filename: '.bigrays/top-pages.csv', overwriteIfExists: true });
  await snsPublishEmail({ topic: 'arn:aws:sns:us-east-1:123456789012:web', subject: 'Top pages', input: csv });

  console.log(`${top.shape[0]} pages → ${upload.uri} and ${saved.path}`);
  console.log(csv);
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exitCode = 1;
});
