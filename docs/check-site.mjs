// Opens every page of the built site (site/, from `make docs`) in headless Chromium, served over loopback, and fails
// on a console error, an uncaught page error, a broken local link or anchor, or a reference page that does not show
// what users look for. Saves a screenshot of each page under build/site/ for people to look at.
//
//   node docs/check-site.mjs [site-dir] [screenshot-dir]
//
// The site must work offline: a request to another host is refused and reported, as it would fail for a reader
// without a network and leaks what they read to a third party otherwise. One is known and allowed: the HTTP
// reference's "powered by" logo (ALLOWED_ELSEWHERE), which the page hides when it does not load; it is refused
// all the same, so nothing leaves the machine, and the console error of that refusal is not counted.
import { createServer } from "node:http";
import { mkdir, readFile, readdir } from "node:fs/promises";
import { extname, join, relative, resolve, sep } from "node:path";
import { chromium } from "playwright-core";

const SITE = resolve(process.argv[2] ?? "site");
const SHOTS = resolve(process.argv[3] ?? "build/site");
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
// What a reader of the Python reference must find, by page: anchors pdoc gives attributes, and text.
const MUST_SHOW = {
  "python/atono/types.html": { anchors: ["Bug.created_at", "User.full_name", "Bug.team"], text: [] },
  "python/atono/resources.html": { anchors: ["Stories.list"], text: ["page_size", "read_ahead"] },
  "python/atono.html": { anchors: ["Atono", "NotFoundError"], text: [] },
};
const ALLOWED_ELSEWHERE = ["https://cdn.redoc.ly/redoc/logo-mini"];
const TYPES = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml" };

async function pages(dir) {
  const found = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await pages(path)));
    else if (entry.name.endsWith(".html")) found.push(relative(SITE, path).split(sep).join("/"));
  }
  return found.sort();
}

const server = createServer(async (request, response) => {
  const path = resolve(SITE, "." + decodeURIComponent(new URL(request.url, "http://x").pathname));
  if (!path.startsWith(SITE)) return response.writeHead(403).end();
  try {
    const body = await readFile(path);
    response.writeHead(200, { "content-type": TYPES[extname(path)] ?? "application/octet-stream" }).end(body);
  } catch {
    response.writeHead(404).end("not found");
  }
});
await new Promise((ready) => server.listen(0, "127.0.0.1", ready));
const origin = `http://127.0.0.1:${server.address().port}`;

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});
const problems = [];
const htmlOf = new Map();
await mkdir(SHOTS, { recursive: true });
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  for (const name of await pages(SITE)) {
    const page = await context.newPage();
    const report = (what) => problems.push(`${name}: ${what}`);
    let refusedAllowed = 0;
    page.on("console", (message) => {
      if (message.type() !== "error") return;
      // A refused request logs "Failed to load resource"; the allowed one's is expected, once per refusal.
      if (refusedAllowed > 0 && message.text().includes("net::ERR_FAILED")) return void refusedAllowed--;
      report(`console error: ${message.text()}`);
    });
    page.on("pageerror", (error) => report(`page error: ${error.message}`));
    await page.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith(origin) || url.startsWith("data:") || url.startsWith("blob:")) return route.continue();
      if (ALLOWED_ELSEWHERE.some((allowed) => url.startsWith(allowed))) refusedAllowed++;
      else report(`requests another host: ${url}`);
      return route.abort();
    });
    const answer = await page.goto(`${origin}/${name}`, { waitUntil: "load" });
    if (!answer || answer.status() !== 200) report(`answered ${answer?.status()}`);
    await page.waitForTimeout(300); // scripts that render after load (the HTTP reference)
    // The HTTP reference is a single-page app: its menu links are routes its own script handles. Each must be a
    // route the page renders: clicked, it shows that section with no error and no request to load another page.
    const routes = await page.$$eval("a[href][data-discover]", (as) => [...new Set(as.map((a) => a.href))]);
    for (const route of routes) {
      const path = new URL(route).pathname;
      await page.click(`a[href="${path}"][data-discover] >> nth=0`);
      await page.waitForTimeout(100);
      const at = new URL(page.url()); // the app routes by hash: /stories opens index.html#/stories
      if (at.hash !== `#${path}` || at.pathname !== `/${name}`) report(`menu route ${path} did not open (at ${at})`);
    }
    if (routes.length) await page.goto(`${origin}/${name}`, { waitUntil: "load" });
    const links = await page.$$eval("a[href]:not([data-discover])", (as) => as.map((a) => a.href));
    for (const link of new Set(links)) {
      if (!link.startsWith(origin)) continue;
      const url = new URL(link);
      const target = url.pathname.slice(1) || "index.html";
      if (!htmlOf.has(target)) {
        try {
          htmlOf.set(target, await readFile(resolve(SITE, decodeURIComponent(target)), "utf8"));
        } catch {
          htmlOf.set(target, null);
        }
      }
      const html = htmlOf.get(target);
      if (html === null) report(`broken link: ${link}`);
      else if (url.hash && target.endsWith(".html") && !html.includes(`id="${decodeURIComponent(url.hash.slice(1))}"`))
        report(`broken anchor: ${link}`);
    }
    const wanted = MUST_SHOW[name];
    if (wanted) {
      for (const anchor of wanted.anchors)
        if (!(await page.$(`[id="${anchor}"]`))) report(`does not show ${anchor}`);
      const text = await page.innerText("body");
      for (const needle of wanted.text) if (!text.includes(needle)) report(`does not mention ${needle}`);
    }
    await page.screenshot({ path: join(SHOTS, name.replaceAll("/", "_").replace(/\.html$/, ".png")) });
    await page.close();
  }
} finally {
  await browser.close();
  server.close();
}
const checked = await pages(SITE);
for (const name of Object.keys(MUST_SHOW)) if (!checked.includes(name)) problems.push(`${name}: not built`);
if (problems.length) {
  console.error(`site check: ${problems.length} problem(s)\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log(`site check: ${checked.length} pages opened in Chromium, no console error, every local link and anchor ` +
  `found; screenshots in ${relative(process.cwd(), SHOTS)}/`);
