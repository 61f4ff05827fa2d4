// The inspector's state: the bytes being looked at, how they decode, and
// which field is highlighted. Views listen for its events:
//   'change'    — new bytes, version or decode result (re-render everything)
//   'highlight' — only the hovered/selected field changed (restyle)
import { parseHex, formatHex } from './hex.js';
import { culprit } from './explain.js';

export class InspectorStore extends EventTarget {
  /** @param {{ annotate: Function }} codec */
  constructor(codec) {
    super();
    this.codec = codec;
    this.text = '';
    this.version = 5;
    this.bytes = new Uint8Array();
    this.inputError = null;
    this.annotation = null;
    this.culprit = null;
    this.source = null; // example id, 'pasted' or 'external'
    this.hover = -1; // field index under the pointer
    this.selected = -1; // field index clicked / focused
  }

  /** The field to highlight: the hovered one, else the selected one. */
  get active() {
    return this.hover >= 0 ? this.hover : this.selected;
  }

  /** Hex typed or pasted by the user. */
  setText(text) {
    this.text = text;
    this.source = 'pasted';
    const r = parseHex(text);
    this.inputError = r.error || null;
    this.bytes = r.bytes || new Uint8Array();
    this.#decode();
  }

  /** Bytes from an example or another module; the hex text follows them. */
  setBytes(bytes, version, source) {
    this.bytes = Uint8Array.from(bytes);
    if (version) this.version = version;
    this.text = formatHex(this.bytes);
    this.inputError = null;
    this.source = source;
    this.#decode();
  }

  setVersion(version) {
    this.version = version;
    this.#decode();
  }

  setHover(i) {
    if (i === this.hover) return;
    this.hover = i;
    this.dispatchEvent(new Event('highlight'));
  }

  setSelected(i) {
    if (i === this.selected) return;
    this.selected = i;
    this.dispatchEvent(new Event('highlight'));
  }

  #decode() {
    this.hover = -1;
    this.selected = -1;
    this.annotation = null;
    this.culprit = null;
    if (!this.inputError && this.bytes.length) {
      try {
        this.annotation = this.codec.annotate(this.bytes, { protocolVersion: this.version });
        this.culprit = culprit(this.annotation);
      } catch (e) {
        this.inputError = e.message;
      }
    }
    this.dispatchEvent(new Event('change'));
  }
}
