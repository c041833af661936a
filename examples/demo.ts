/**
 * The demo job: the original bigrays README's scenario, runnable offline.
 *
 *   npm run demo        (= bigrays run examples/demo.ts --local)
 *
 * It seeds a SQLite database with sample training and production rows, pulls both for the
 * `{begin}`–`{end}` window, fits a line to the training data and predicts production, uploads
 * the predictions to S3 as CSV, writes a local copy with ToCSV, and e-mails the team over SNS.
 * With --local, S3 and SNS are an emulator and the database is .bigrays/demo.sqlite.
 */
import {
  bigraysRun, outputOf, register, SNSPublishEmail, SQLQuery, SQLWrite, Task, ToCSV, ToS3, updateFormatKws,
  type DataFrame,
} from 'bigrays';
import type * as dfd from 'danfojs-node';

// This job uses danfojs' API on its query results: DataFrames get danfojs' own type.
declare module 'bigrays' {
  interface DataFrameTypes { frame: dfd.DataFrame }
}

const round = (n: number) => Math.round(n * 100) / 100;
const dayOf = (month: number, day: number) => new Date(Date.UTC(2026, month, day)).toISOString().slice(0, 10);

/** Sample data: 60 labelled days of a feature and the value it predicts… */
@register
class SeedTraining extends SQLWrite {
  tablename = 'training';
  ifExists = 'replace' as const;
  input = Array.from({ length: 60 }, (_, i) => {
    const feature = 10 + ((i * 37) % 50) / 2;
    return { day: dayOf(0, 1 + i), feature, target: round(3.2 * feature + 7 + (((i * 13) % 7) - 3) / 2) };
  });
}

/** …and 30 production days still to predict. */
@register
class SeedProduction extends SQLWrite {
  tablename = 'production';
  ifExists = 'replace' as const;
  input = Array.from({ length: 30 }, (_, i) => ({ id: i + 1, day: dayOf(1, 1 + i), feature: 12 + ((i * 11) % 40) / 2 }));
}

@register
class PullTrainingData extends SQLQuery {
  query = 'select day, feature, target from training where day between {begin!q} and {end!q} order by day';
}

@register
class PullProductionData extends SQLQuery {
  query = 'select id, day, feature from production where day between {begin!q} and {end!q} order by id';
}

/** Least squares on the training rows; one prediction per production row. */
@register
class MakePredictions extends Task<Array<{ id: number; day: string; feature: number; prediction: number }>> {
  run() {
    const column = (frame: DataFrame, name: string) => frame.column(name).values as number[];
    const training = outputOf(PullTrainingData);
    const x = column(training, 'feature');
    const y = column(training, 'target');
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    const [mx, my] = [mean(x), mean(y)];
    const slope = x.reduce((s, xi, i) => s + (xi - mx) * (y[i] - my), 0) / x.reduce((s, xi) => s + (xi - mx) ** 2, 0);
    const intercept = my - slope * mx;
    this.log('fitted target = %d × feature + %d', slope, intercept);

    const production = outputOf(PullProductionData);
    const [ids, days, features] = ['id', 'day', 'feature'].map((name) => production.column(name).values);
    return (ids as number[]).map((id, i) => ({
      id,
      day: (days as string[])[i],
      feature: (features as number[])[i],
      prediction: round(slope * (features as number[])[i] + intercept),
    }));
  }
}

@register
class UploadPredictions extends ToS3 {
  input = MakePredictions.output;
  bucket = 'bigrays-demo';
  key = 'predictions/{begin}_{end}.csv';
  overwriteIfExists = true; // the demo may run again
}

@register
class SaveLocalCopy extends ToCSV {
  input = MakePredictions.output;
  filename = '.bigrays/predictions_{begin}_{end}.csv';
  overwriteIfExists = true;
}

@register
class EmailTeam extends SNSPublishEmail {
  input = 'Predictions are uploaded to S3';
  topic = 'arn:aws:sns:us-east-1:123456789012:team';
  subject = 'Predictions for {begin} to {end} are finished';
}

updateFormatKws({ begin: '2026-01-01', end: '2026-03-01' });

void bigraysRun().then(() => {
  const upload = outputOf(UploadPredictions);
  console.log(`${outputOf(MakePredictions).length} predictions → ${upload.uri} (${upload.bytes} bytes)`);
  console.log(`local copy: ${outputOf(SaveLocalCopy).path}`);
});
