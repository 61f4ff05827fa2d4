// Boots the page: loads the WebAssembly codec, wires the tabs, mounts the
// packet inspector. Later views (diagram, messages, topics, lessons) mount
// into their [data-region] placeholders the same way.
import init, { annotate, encode, reasonCodeName, version } from './pkg/mqtt_lab.js';
import { initTabs } from './ui/tabs.js';
import { mountInspector } from './ui/inspector.js';
import { buildExamples } from './ui/examples.js';

initTabs();

try {
  await init();
  document.querySelector('[data-version]').textContent = `v${version()}`;
  const examples = buildExamples(encode);
  mountInspector(document.querySelector('[data-panel="inspector"]'), { annotate, reasonCodeName }, examples, {
    initial: 'publish1-v5',
  });
} catch (e) {
  const box = document.querySelector('[data-boot-error]');
  box.hidden = false;
  box.textContent = `The MQTT codec (WebAssembly) could not be loaded: ${e.message}. ` +
    'Build it with cargo build --release --target wasm32-unknown-unknown --lib and wasm-bindgen --target web --out-dir www/pkg.';
  document.querySelector('[data-version]').textContent = 'codec missing';
  throw e;
}
