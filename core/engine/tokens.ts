/** tsyringe injection tokens: one symbol per service a run container holds. */
export const TOKENS = {
  /** The validated {@link EngineConfig}. */
  Config: Symbol('argo.Config'),
  /** The run's {@link Logger}. */
  Logger: Symbol('argo.Logger'),
  /** The {@link MarketData} instance. */
  MarketData: Symbol('argo.MarketData'),
  /** The configured sources, as {@link RunSource}[]. */
  Sources: Symbol('argo.Sources'),
  /** The {@link Consensus} instance. */
  Consensus: Symbol('argo.Consensus'),
  /** The {@link EarlyExitStrategy} instance. */
  EarlyExit: Symbol('argo.EarlyExit'),
  /** The {@link Storage} instance. */
  Storage: Symbol('argo.Storage'),
  /** The run's {@link ReasoningService}. */
  Reasoning: Symbol('argo.Reasoning'),
  /** The run's {@link DeferredReasoner} (idle unless `reasoning.mode` is deferred). */
  Deferred: Symbol('argo.Deferred'),
  /** The run's {@link SecretRedactor}. */
  Secrets: Symbol('argo.Secrets'),
  /** The run's {@link WriteTracker}. */
  Writes: Symbol('argo.Writes'),
  /** The run's {@link RunEvents}. */
  Events: Symbol('argo.Events'),
  /** The run's {@link CalibrationSlot}: `consensus.calibration`'s file at first, swapped between cycles by a refit. */
  Calibration: Symbol('argo.Calibration'),
  /** The {@link StageExecutorFactory} a composition root registers in the root container: where stages placed off the thread run. */
  StageExecutor: Symbol('argo.StageExecutor'),
} as const;
