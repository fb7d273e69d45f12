import { describe, expect, it } from "vitest";
import { rewriteMatrixTo } from "@/lib/render/matrix-to";
import { sanitizeMessageHtml } from "@/lib/render/sanitize-message-html";

const clean = (html: string) => sanitizeMessageHtml(html, { rewriteMatrixTo });

// Anything that could run script or load a foreign resource, in the shapes seen in the wild.
const HOSTILE = [
  "<script>alert(1)</script>",
  "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
  "<img src=x onerror=alert(1)>",
  '<img src="mxc://hs.test/abc" onerror="alert(1)">',
  "<svg onload=alert(1)><circle r=1 /></svg>",
  "<svg><script>alert(1)</script></svg>",
  "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>",
  '<a href="javascript:alert(1)">click</a>',
  '<a href="  JaVaScRiPt:alert(1)">click</a>',
  '<a href="java&#x09;script:alert(1)">click</a>',
  '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">click</a>',
  '<a href="vbscript:msgbox(1)">click</a>',
  '<iframe src="https://evil.example"></iframe>',
  '<object data="x.swf"></object><embed src="x.swf">',
  "<details open ontoggle=alert(1)><summary>x</summary></details>",
  '<p style="background:url(javascript:alert(1))">x</p>',
  '<span data-mx-color="red;background:url(https://evil.example/t.gif)">x</span>',
  '<form action="https://evil.example"><input name=x><button>go</button></form>',
  '<base href="https://evil.example/">',
  '<meta http-equiv="refresh" content="0;url=https://evil.example">',
  '<link rel=stylesheet href="https://evil.example/x.css">',
  "<style>body{display:none}</style>",
  "<<script>script>alert(1)<</script>/script>",
  '<div onclick="alert(1)" onmouseover="alert(1)">x</div>',
  '<img src="https://tracker.example/pixel.gif">',
  '<img src="mxc://hs.test/../../admin">',
  '<a href="//evil.example/">x</a>',
  '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
  '<table><td background="javascript:alert(1)">x</td></table>',
];

describe("sanitizeMessageHtml", () => {
  it.each(HOSTILE)("renders %s inert", (payload) => {
    const out = clean(payload);
    expect(out).not.toMatch(/<(script|svg|math|iframe|object|embed|form|input|button|base|meta|link|style|noscript)\b/i);
    expect(out).not.toMatch(/\son[a-z]+\s*=/i);
    expect(out).not.toMatch(/javascript:|vbscript:|data:/i);
    expect(out).not.toMatch(/evil\.example|tracker\.example/);
    expect(out).not.toMatch(/(?:src|href)="(?!\/|https?:|mailto:)/);
  });

  it("keeps the Matrix subset", () => {
    const html =
      "<h2>Title</h2><p><b>bold</b> <i>it</i> <u>u</u> <del>gone</del> <s>s</s> <code>x</code></p>" +
      '<blockquote>q</blockquote><ul><li>one</li></ul><ol start="3"><li>three</li></ol><pre><code class="language-ts">let a</code></pre>' +
      "<table><thead><tr><th>h</th></tr></thead><tbody><tr><td>d</td></tr></tbody><caption>c</caption></table>" +
      "<details><summary>more</summary>hidden</details><hr><sup>1</sup><sub>2</sub>";
    expect(clean(html)).toBe(
      "<h2>Title</h2><p><b>bold</b> <i>it</i> <u>u</u> <del>gone</del> <s>s</s> <code>x</code></p>" +
        '<blockquote>q</blockquote><ul><li>one</li></ul><ol start="3"><li>three</li></ol><pre><code class="language-ts">let a</code></pre>' +
        "<table><thead><tr><th>h</th></tr></thead><tbody><tr><td>d</td></tr></tbody><caption>c</caption></table>" +
        "<details><summary>more</summary>hidden</details><hr /><sup>1</sup><sub>2</sub>",
    );
  });

  it("strips the reply fallback with everything inside it", () => {
    const html = '<mx-reply><blockquote><a href="https://matrix.to/#/!r:hs.test/$e">In reply to</a> <b>old</b></blockquote></mx-reply>new text';
    expect(clean(html)).toBe("new text");
  });

  it("turns colour attributes into a colour-only style and drops invalid colours", () => {
    expect(clean('<font color="#ff0000" data-mx-bg-color="#00FF00">red</font>')).toBe('<span style="color:#ff0000;background-color:#00FF00">red</span>');
    expect(clean('<span data-mx-color="#0000ff">blue</span>')).toBe('<span style="color:#0000ff">blue</span>');
    expect(clean('<span data-mx-color="expression(alert(1))">x</span>')).toBe("<span>x</span>");
    expect(clean('<span style="color:#ff0000">x</span>')).toBe("<span>x</span>");
  });

  it("keeps spoilers as a data attribute", () => {
    expect(clean('<span data-mx-spoiler="reason">secret</span>')).toBe('<span data-mx-spoiler="reason">secret</span>');
  });

  it("gives links rel=noopener nofollow ugc and only safe schemes", () => {
    expect(clean('<a href="https://example.org/a?b=c" target="_blank">x</a>')).toBe('<a rel="noopener nofollow ugc" href="https://example.org/a?b=c">x</a>');
    expect(clean('<a href="mailto:a@example.org">m</a>')).toBe('<a rel="noopener nofollow ugc" href="mailto:a@example.org">m</a>');
    expect(clean('<a href="ftp://example.org/">f</a>')).toBe('<a rel="noopener nofollow ugc">f</a>');
  });

  it("rewrites matrix.to room and event links to archive pages and keeps user links", () => {
    expect(clean('<a href="https://matrix.to/#/%23lobby%3Ahs.test/%24ev1?via=hs.test">m</a>')).toBe(
      '<a rel="noopener nofollow ugc" href="/r/lobby%3Ahs.test/event/%24ev1">m</a>',
    );
    expect(clean('<a href="https://matrix.to/#/!abc:hs.test">r</a>')).toBe('<a rel="noopener nofollow ugc" href="/roomid/abc%3Ahs.test">r</a>');
    expect(clean('<a href="https://matrix.to/#/@alice:hs.test">alice</a>')).toBe(
      '<a rel="noopener nofollow ugc" href="https://matrix.to/#/@alice:hs.test">alice</a>',
    );
  });

  it("rewrites mxc images to the media proxy and drops other image sources", () => {
    expect(clean('<img src="mxc://hs.test/AbC_1-2" alt="a cat" width="40" height="30x">')).toBe(
      '<img src="/media/hs.test/AbC_1-2" alt="a cat" loading="lazy" width="40" />',
    );
    expect(clean('<img src="https://example.org/cat.png" alt="a cat">')).toBe("<span>a cat</span>");
  });

  it("survives deep nesting without keeping all of it", () => {
    const deep = "<div>".repeat(500) + "x" + "</div>".repeat(500);
    const out = clean(deep);
    expect(out.match(/<div>/g)?.length ?? 0).toBeLessThanOrEqual(100);
    expect(out).toContain("x");
  });
});
