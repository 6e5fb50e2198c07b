/**
 * Ordered steps of a walkthrough, each a jest test, with timings. A "setup" step is one everything
 * after it needs: once one fails, the later steps report that instead of running.
 */
export function stepRunner() {
  const timings: Array<[name: string, ms: number]> = [];
  let failedSetup: string | undefined;
  const define = (name: string, fn: () => Promise<void>, isSetup: boolean) =>
    it(name, async () => {
      if (failedSetup) throw new Error(`not run: the earlier step "${failedSetup}" failed`);
      const started = Date.now();
      try {
        await fn();
      } catch (e) {
        if (isSetup) failedSetup = name;
        throw e;
      } finally {
        timings.push([name, Date.now() - started]);
      }
    });
  return {
    timings,
    /** The timings as lines for the log, with the total. */
    formatTimings: () =>
      [
        ...timings.map(([name, ms]) => `  ${(ms / 1000).toFixed(1).padStart(7)}  ${name}`),
        `  ${(timings.reduce((sum, [, ms]) => sum + ms, 0) / 1000).toFixed(1).padStart(7)}  all steps`,
      ].join('\n'),
    /** A step the later ones need. */
    setupStep: (name: string, fn: () => Promise<void>) => define(name, fn, true),
    /** A step that checks on its own: its failure does not stop the steps after it. */
    step: (name: string, fn: () => Promise<void>) => define(name, fn, false),
  };
}
