import { PLUGIN_API_VERSION, defineConsensusPlugin } from '../../core/plugin-system/define-plugin';
import { weightedMean, weightedMeanBound } from './weighted-mean';

/** Weighted consensus: the weighted mean of signed confidences over the sources that answered. */
export default defineConsensusPlugin({
  name: 'weighted',
  version: '1.0.0',
  apiVersion: `^${PLUGIN_API_VERSION}`,
  description: 'Weighted mean of signed confidences over the sources that answered.',
  create() {
    return { combine: weightedMean, upperBound: weightedMeanBound };
  },
});
