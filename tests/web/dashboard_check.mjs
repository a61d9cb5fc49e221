// Opens a dfs node's built-in dashboard in headless Chromium (Debian's,
// driven by playwright-core) and checks it against the live cluster:
//   1. the node table lists every node, all active, with live figures, and
//      the three charts have several points;
//   2. prints READY, then waits for node VICTIM (which the calling script
//      kills) to turn "down" on the page;
//   3. saves a screenshot.
// Usage: node dashboard_check.mjs URL NODES VICTIM SCREENSHOT
// Exit 0 when every check passed; messages on stdout.
import { chromium } from "playwright-core";

const [url, nodesArg, victim, screenshot] = process.argv.slice(2);
const expected = Number(nodesArg);
const fail = (why) => { console.log("FAIL " + why); process.exitCode = 1; };

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(url);
  // 1. every node active, with figures; charts with a few points.
  await page.waitForFunction((n) =>
    document.querySelectorAll('#nodes tbody tr[data-state="active"]').length === n, expected,
    { timeout: 20000 });
  console.log(`ok   the table shows ${expected} active nodes`);
  await page.waitForFunction(() =>
    ["throughput", "latency", "cache"].every((id) =>
      Number(document.getElementById(id).dataset.points || 0) >= 4), null, { timeout: 30000 });
  console.log("ok   the throughput, latency and cache charts have live points");
  const roles = await page.$$eval("#nodes tbody td.roles", (cells) => cells.map((c) => c.textContent));
  if (roles.length === expected && roles.every((r) => r.includes("gateway") && r.includes("storage")))
    console.log(`ok   every node's roles are shown (${roles[0]})`);
  else fail(`roles: ${JSON.stringify(roles)}`);
  const summary = await page.textContent("#summary");
  if (/Raft leader n\d/.test(summary) && /term \d+/.test(summary))
    console.log(`ok   the header names the Raft leader and term (${summary.split("·")[1].trim()})`);
  else fail(`the header shows no leader: ${summary}`);
  const requests = await page.$$eval("#nodes tbody tr", (rows) =>
    rows.map((r) => Number(r.children[10].textContent)));
  if (requests.some((n) => n > 0)) console.log(`ok   the nodes count requests (${requests.join(", ")})`);
  else fail("no node shows any request");
  // 2. the victim, killed by the caller, turns down.
  console.log("READY");
  await page.waitForFunction((v) => {
    const row = document.querySelector(`#nodes tbody tr[data-node="${v}"]`);
    return row && row.dataset.state === "down";
  }, victim, { timeout: 30000, polling: 250 });
  console.log(`ok   ${victim} turned down on the page`);
  await page.waitForFunction((v) =>
    [...document.querySelectorAll("#events li")].some((li) => li.textContent.includes(`node ${v} is now down`)),
    victim, { timeout: 10000 });
  console.log(`ok   the event list says node ${victim} is now down`);
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(`ok   screenshot saved to ${screenshot}`);
  if (errors.length) fail("page errors: " + errors.join("; "));
} catch (e) {
  fail(e.message.split("\n")[0]);
  try {
    const page = browser.contexts()[0]?.pages()[0];
    if (page) await page.screenshot({ path: screenshot, fullPage: true });
  } catch (_) {}
} finally {
  await browser.close();
}
