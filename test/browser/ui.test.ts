/**
 * The campaign as a user sees it in the Temporal Web UI: headless Chromium opens the dev server's UI, filters the
 * workflow list by the search attributes of a finished campaign (`VrCampaignId = ... AND VrKind = "batch"`), opens
 * a batch and finds its summary and its per-VM result. Chromium must be installed at /usr/bin/chromium
 * (`apt-get install -y chromium`): without it this test FAILS, it never skips.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { getCampaignResult, startCampaign } from '../../client/campaign-api';
import { SIM_SITES, type RunningSimulator } from '../../simulator';
import {
  startTestTemporal,
  startTestWorker,
  uniqueId,
  type TestTemporal,
  type TestWorker,
} from '../support/temporal';
import { simSites, startTestSimulator, suitableVmNames } from '../support/simulator';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

let temporal: TestTemporal;
let sim: RunningSimulator;
let worker: TestWorker;
let browser: BrowserContext | undefined;
let userDataDir: string;

before(async () => {
  temporal = await startTestTemporal({ ui: true });
  sim = await startTestSimulator({ vms: 60 });
  worker = await startTestWorker(temporal, simSites(sim));
});
after(async () => {
  await browser?.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  await worker?.stop();
  await sim?.close();
  await temporal?.close();
});

/** Waits until the page's text matches, reloading now and then (visibility and the UI poll on their own pace). */
async function waitForText(page: Page, pattern: RegExp, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let text = '';
  for (let attempt = 1; Date.now() < deadline; attempt++) {
    // The UI renders user markdown (summary, details, current details) in sandboxed iframes: read every frame.
    const texts = await Promise.all(
      page.frames().map((frame) =>
        frame
          .locator('body')
          .innerText({ timeout: 2_000 })
          .catch(() => ''),
      ),
    );
    text = texts.join('\n');
    if (pattern.test(text)) return text;
    await page.waitForTimeout(1_000);
    if (attempt % 10 === 0) await page.reload({ waitUntil: 'domcontentloaded' });
  }
  throw new Error(`page ${page.url()} never showed ${pattern}; it shows:\n${text.slice(0, 3000)}`);
}

describe('Temporal UI', () => {
  test('filters a finished campaign’s batches by search attribute and shows a batch’s summary and per-VM result', async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: install it with apt-get install -y chromium`);
    assert.ok(temporal.server.uiUrl, 'the dev server runs its UI');
    const names = await suitableVmNames(sim, 5, /^(app-1\d*|legacy-sata-1)$/);
    const campaignId = uniqueId('campaign-ui');
    await startCampaign(
      temporal.client,
      {
        name: 'ui',
        groups: [
          {
            site: 'protected',
            pairing: { remoteVcenter: SIM_SITES.recovery.vcenterName },
            vms: [...names, 'no-such-vm'].map((name) => ({ name })),
            targetDatastore: 'recovery-ds-1',
          },
        ],
        limits: { vmsPerBatch: 2 },
        pollIntervalSeconds: 1,
        pollIntervalCapSeconds: 1,
      },
      { campaignId, taskQueue: worker.taskQueue },
    );
    const result = await getCampaignResult(temporal.client, campaignId);
    assert.equal(result.totals.configured, 5);
    assert.equal(result.batchIds.count, 3);

    userDataDir = mkdtempSync(path.join(os.tmpdir(), 'vr-chromium-'));
    browser = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
    });
    const page = await browser.newPage();
    const query = `VrCampaignId="${campaignId}" AND VrKind="batch"`;
    await page.goto(
      `${temporal.server.uiUrl}/namespaces/default/workflows?query=${encodeURIComponent(query)}`,
      { waitUntil: 'domcontentloaded' },
    );
    const batchPrefix = `${campaignId}/protected/vc-recovery/batch-`;
    const list = await waitForText(page, new RegExp(`${batchPrefix}3`));
    for (const number of [1, 2, 3])
      assert.ok(list.includes(`${batchPrefix}${number}`), `batch ${number} listed`);
    assert.ok(!new RegExp(`${campaignId}\\s`).test(list), 'the campaign itself is filtered out');

    // The last batch holds the fifth VM and the unknown one.
    await page.getByText(`${batchPrefix}3`, { exact: true }).first().click();
    await waitForText(page, /User Metadata/);
    await page.getByText('User Metadata', { exact: true }).first().click();
    const details = await waitForText(page, /Batch 3 of campaign ui/);
    assert.match(details, /1 VMs|2 VMs/);
    const perVm = await waitForText(page, /no-such-vm[\s\S]*not-found/);
    assert.match(perVm, new RegExp(`${names[4]}[\\s\\S]*configured`));
  });
});
