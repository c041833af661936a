/**
 * Progress of a run, as the command shows it: the job's process sends events (see
 * ../progress.ts, where they are made and worded); the command prints them on stderr.
 */
export { logLine, printerFor, progressInterval, progressObserver, PROGRESS_INTERVAL_MS, terminalLine, type ProgressEvent } from '../progress';
