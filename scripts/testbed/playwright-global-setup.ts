import { ensureNginx, ensureSynapse } from "./index";

// Installs what the federation specs need once, before any test runs, so that a cold venv install
// (~20 s) or an nginx install is not charged to the first test's timeout. Idempotent and fast
// when already installed. Chromium is installed by scripts/install-chromium.sh from the test
// script (a fresh machine has none; Playwright's own browser download is unreachable).
export default async function globalSetup(): Promise<void> {
  const t0 = Date.now();
  await ensureSynapse();
  await ensureNginx();
  const seconds = (Date.now() - t0) / 1000;
  if (seconds > 1) console.log(`[testbed] Synapse venv and nginx ready in ${seconds.toFixed(1)} s`);
}
