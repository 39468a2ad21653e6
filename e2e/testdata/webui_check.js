// The page check of e2e/webui_test.go, evaluated in the page: every
// control has an accessible name, every text has a contrast of at least
// 4.5:1 against its background (WCAG 2 AA, computed from computed styles),
// nothing is wider than the window, and the page's weight in bytes.
(async () => {
  const problems = [];
  const describe = (el) => el.outerHTML.slice(0, 120);
  const nameOf = (el) => {
    const label = el.getAttribute("aria-label");
    if (label && label.trim()) { return label.trim(); }
    const by = el.getAttribute("aria-labelledby");
    if (by) { return by.split(/\s+/).map((id) => (document.getElementById(id) || {}).textContent || "").join(" ").trim(); }
    if (el.labels && el.labels.length) { return Array.from(el.labels).map((l) => l.textContent).join(" ").trim(); }
    if (el.tagName === "BUTTON") { return el.textContent.trim(); }
    return (el.getAttribute("title") || "").trim();
  };
  const controls = document.querySelectorAll("input:not([type=hidden]), select, textarea, button");
  for (const el of controls) {
    if (!nameOf(el)) { problems.push("control without an accessible name: " + describe(el)); }
  }
  const parse = (c) => {
    const m = c.match(/rgba?\(([^)]+)\)/);
    if (!m) { return null; }
    const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
    return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
  };
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0) { layers.push(c); if (c.a >= 1) { break; } }
    }
    let out = { r: 255, g: 255, b: 255 };
    for (const c of layers.reverse()) {
      out = { r: c.r * c.a + out.r * (1 - c.a), g: c.g * c.a + out.g * (1 - c.a), b: c.b * c.a + out.b * (1 - c.a) };
    }
    return out;
  };
  const luminance = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  let texts = 0;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (!n.nodeValue.trim()) { continue; }
    const el = n.parentElement;
    const style = getComputedStyle(el);
    if (el.closest("script, style, template") || style.display === "none" || style.visibility === "hidden") { continue; }
    texts++;
    const bg = background(el);
    const fg0 = parse(style.color);
    const fg = { r: fg0.r * fg0.a + bg.r * (1 - fg0.a), g: fg0.g * fg0.a + bg.g * (1 - fg0.a), b: fg0.b * fg0.a + bg.b * (1 - fg0.a) };
    const [hi, lo] = [luminance(fg), luminance(bg)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    if (ratio < 4.5) { problems.push("contrast " + ratio.toFixed(2) + ":1 for \"" + n.nodeValue.trim().slice(0, 40) + "\" in " + describe(el)); }
  }
  if (document.documentElement.scrollWidth > document.documentElement.clientWidth + 1) {
    problems.push("the page is " + document.documentElement.scrollWidth + "px wide in a " + document.documentElement.clientWidth + "px window");
  }
  let bytes = 0;
  for (const e of performance.getEntriesByType("navigation").concat(performance.getEntriesByType("resource"))) {
    bytes += e.decodedBodySize || 0;
  }
  return { problems, bytes, controls: controls.length, texts };
})()
