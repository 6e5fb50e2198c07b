/** Stop the verdaccio started by the global setup and drop its temporary storage. */
export default async function globalTeardown(): Promise<void> {
  const g = globalThis as Record<string, unknown>;
  const registry = g.__GO_E2E_REGISTRY__ as { stop(): Promise<void> } | undefined;
  if (registry) {
    await registry.stop();
    delete g.__GO_E2E_REGISTRY__;
  }
}
