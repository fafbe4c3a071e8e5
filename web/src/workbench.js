// The analyst workbench's Cypher editor: Neo4j's Cypher support on CodeMirror 6, bundled
// by build.mjs into api/web/static/vendor/workbench.js. The page's <textarea> stays the
// form's field: the editor mirrors into it, so the form works the same with or without it.
import { createCypherEditor } from "@neo4j-cypher/codemirror";
import { EditorView } from "@codemirror/view";
import "@neo4j-cypher/codemirror/css/cypher-codemirror.css";

function mount(textarea) {
  const holder = document.createElement("div");
  holder.className = "cypher-editor";
  textarea.insertAdjacentElement("afterend", holder);
  const label = textarea.labels && textarea.labels[0] ? textarea.labels[0].textContent : "Cypher";
  const { editor } = createCypherEditor(holder, {
    value: textarea.value,
    lineNumbers: true,
    lint: true,
    lineWrapping: true,
    theme: "light",
    // tabindex: the editable area is a tab stop (axe counts no contenteditable as one).
    postExtensions: [EditorView.contentAttributes.of({ "aria-label": label, tabindex: "0" })],
  });
  editor.onValueChanged((value) => {
    textarea.value = value;
  });
  textarea.hidden = true;
  // Labels point at the textarea; send their clicks to the editor.
  for (const l of textarea.labels || []) {
    l.addEventListener("click", () => editor.focus());
  }
  return editor;
}

window.addEventListener("DOMContentLoaded", () => {
  for (const textarea of document.querySelectorAll("textarea[data-cypher]")) {
    mount(textarea);
  }
});
