// Entry point of the page: loads the wasm package and shows its version.
import init, { version } from './pkg/mqtt_lab.js';

await init();
document.querySelector('[data-testid="version"]').textContent = `MQTT Lab v${version()}`;
