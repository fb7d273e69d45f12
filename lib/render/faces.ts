// A sender's face beside the name of a message group: the initial of their name, and over it
// their avatar's thumbnail through the media proxy when they have one. Drawn by CSS from one
// rule per sender and page (a class u0, u1, … on the name), so a message pays a short class
// rather than an <img>, and an image that fails to load leaves the initial showing.

/** A CSS string literal of any text: every character but letters, digits and spaces as a hex escape, so nothing in it can close the string, the rule or the <style> element. */
export function cssString(text: string): string {
  let out = '"';
  for (const ch of text) out += /[A-Za-z0-9 ]/.test(ch) ? ch : `\\${ch.codePointAt(0)!.toString(16)} `;
  return `${out}"`;
}

/** The first letter of a name (a user ID's localpart when there is no display name), upper case. */
export function initialOf(name: string): string {
  const first = [...name.replace(/^@/, "").trim()][0];
  return first === undefined ? "?" : first.toLocaleUpperCase("en");
}

export interface Face {
  /** The class on the sender's name: `u` and a number. */
  className: string;
  name: string;
  /** The avatar's proxy path (a thumbnail), or null. */
  avatar: string | null;
}

/** The page's face rules. The initial is decoration (`/ ""`: no text for screen readers, who hear the name). */
export function faceRules(faces: readonly Face[]): string {
  return faces
    .map((f) => {
      if (!/^u[0-9]{1,4}$/.test(f.className)) throw new Error(`not a face class: ${f.className}`);
      const initial = `.${f.className}::before{content:${cssString(initialOf(f.name))} / ""}`;
      return f.avatar === null ? initial : `${initial}.${f.className}::after{background-image:url(${cssString(f.avatar)})}`;
    })
    .join("");
}
