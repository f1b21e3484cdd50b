/** Reads a calibration file (`consensus.calibration`, `evaluate --calibration`), refusing one that is not a calibration or was fitted on other sources. */
import { readFileSync } from 'node:fs';
import { ArgoError, messageOf } from '../errors/errors';
import { CALIBRATION_VERSION, sourcesHash, type CalibrationFile } from './calibration';

/** `key`: what named the file, for the error (the config key, or a flag). */
export function readCalibration(file: string, sources: readonly { readonly name: string }[], key = 'consensus.calibration'): CalibrationFile {
  let parsed: Partial<CalibrationFile>;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<CalibrationFile>;
  } catch (error) {
    throw new ArgoError('ARGO_ERR_CALIBRATION', `${key}: cannot read ${file}: ${messageOf(error)}`, { cause: error });
  }
  if (parsed?.kind !== 'argo-signals-calibration' || parsed.version !== CALIBRATION_VERSION || !Array.isArray(parsed.sources) || typeof parsed.combiner?.intercept !== 'number') {
    throw new ArgoError('ARGO_ERR_CALIBRATION', `${key}: ${file} is not a calibration of version ${CALIBRATION_VERSION} (write one with argo-signals calibrate)`);
  }
  if (parsed.sourcesHash !== sourcesHash(sources)) {
    const fitted = parsed.sources.map((s) => s.name).join(', ');
    throw new ArgoError('ARGO_ERR_CALIBRATION', `${key}: ${file} was fitted on other sources (${fitted}) or other source settings than this config's (${sources.map((s) => s.name).join(', ')}); fit it again with argo-signals calibrate`);
  }
  return parsed as CalibrationFile;
}
