// Fetch what the tests download ahead of the run (Kafka broker jars, console tools and
// MirrorMaker2 from Maven, the Python clients' venv from PyPI), so download and install time never lands
// inside vitest's hook or test timeouts. Each step is quick when its cache is current.
import { CONSOLE_TOOLS_VERSIONS, ensureConsoleTools } from './java-console.js';
import { ensureKafkaJars, KAFKA_VERSION } from './kafka.js';
import { ensureMirrorMaker2 } from './mirror-maker2.js';
import { ensurePythonVenv, PYTHON_PACKAGES } from './python.js';

const libs = await ensureKafkaJars();
console.log(`Kafka ${KAFKA_VERSION} jars: ${libs}`);
for (const version of CONSOLE_TOOLS_VERSIONS) {
  const tools = await ensureConsoleTools(version);
  console.log(`Kafka ${version} console tools classpath: ${tools.classpath}`);
}
console.log(`MirrorMaker2 ${KAFKA_VERSION} (connect-mirror) classpath: ${await ensureMirrorMaker2()}`);
const python = await ensurePythonVenv();
console.log(`Python clients (${PYTHON_PACKAGES.join(', ')}): ${python}`);
