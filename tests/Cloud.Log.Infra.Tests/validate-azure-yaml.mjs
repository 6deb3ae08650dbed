// Validates a YAML file against a JSON schema (draft 2019-09), as azd's own tooling would.
// Usage: node validate-azure-yaml.mjs <schema.json> <azure.yaml>; prints the errors and exits 1 when invalid.
// The azd schema $refs a few schemas of azd extensions by URL; with no network those are stood in for by
// schemas that accept anything (listed on stderr), which only matters for services of those extensions.
import { readFileSync } from "node:fs";
import Ajv2019 from "ajv/dist/2019.js";
import yaml from "js-yaml";

const [schemaPath, yamlPath] = process.argv.slice(2);
const schema = JSON.parse(readFileSync(schemaPath, "utf8"));
const document = yaml.load(readFileSync(yamlPath, "utf8"));
const ajv = new Ajv2019({
  allErrors: true,
  strict: false,
  validateFormats: false,
  loadSchema: async (uri) => {
    console.error(`not available offline, accepting anything: ${uri}`);
    return { $id: uri };
  },
});
const validate = await ajv.compileAsync(schema);
if (validate(document)) {
  console.log("valid");
} else {
  console.log(JSON.stringify(validate.errors, null, 2));
  process.exit(1);
}
