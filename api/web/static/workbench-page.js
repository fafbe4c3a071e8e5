// Export buttons of the workbench: post the query that made the result to the export API
// (the session cookie signs the request in) and save what comes back as a file.
(function () {
  "use strict";
  const status = document.getElementById("export-status");
  for (const button of document.querySelectorAll("button[data-export]")) {
    button.addEventListener("click", async () => {
      status.textContent = "Preparing the download…";
      try {
        const response = await fetch(button.dataset.export, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: button.dataset.body,
          credentials: "same-origin",
        });
        if (!response.ok) {
          const problem = await response.json().catch(() => ({}));
          const message = (problem.error && problem.error.message) || response.statusText;
          throw new Error(`${response.status}: ${message}`);
        }
        const blob = await response.blob();
        const link = document.createElement("a");
        link.href = URL.createObjectURL(blob);
        link.download = button.dataset.filename;
        document.body.append(link);
        link.click();
        link.remove();
        setTimeout(() => URL.revokeObjectURL(link.href), 10000);
        status.textContent = `Downloaded ${button.dataset.filename}.`;
      } catch (error) {
        status.textContent = `The export failed: ${error.message}`;
      }
    });
  }
})();
