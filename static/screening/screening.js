// ALTER Screen page behaviour. No inline scripts (Content-Security-Policy); every page
// works without this file, which only makes entry quicker.
(function () {
  "use strict";

  // Lab rows: offer only the units the exchange format accepts for the chosen test, each
  // once. A unit is chosen, never assumed: a row keeps the unit it has (none stays none);
  // choosing a test picks the site's default unit for it, shown chosen, or none.
  function unitsFor(table) {
    var data;
    try { data = JSON.parse(table.dataset.units || "{}"); } catch (e) { data = {}; }
    return { units: data.units || {}, defaults: data.defaults || {}, site: data.site || null };
  }
  function siteDefaults(config) {
    var chosen = document.querySelector("#screening-form [name='site']");
    var code = chosen && chosen.value ? chosen.value : config.site;
    return (code && config.defaults[code]) || {};
  }
  function restrictUnits(row, config, testChanged) {
    // Rebuild the unit list from the chosen test's units (value, label); the server
    // refuses any other unit anyway, naming the accepted ones.
    var test = row.querySelector("select[name$='-test']");
    var unit = row.querySelector("select[name$='-unit']");
    if (!test || !unit || !config.units[test.value]) { return; }
    var allowed = config.units[test.value];
    var values = allowed.map(function (pair) { return pair[0]; });
    var wanted = testChanged ? (siteDefaults(config)[test.value] || "") : unit.value;
    while (unit.firstChild) { unit.removeChild(unit.firstChild); }
    unit.appendChild(new Option("—", ""));
    allowed.forEach(function (pair) { unit.appendChild(new Option(pair[1], pair[0])); });
    unit.value = values.indexOf(wanted) >= 0 ? wanted : "";
  }
  function wireLabs(root) {
    root.querySelectorAll("table[data-units]").forEach(function (table) {
      var config = unitsFor(table);
      table.querySelectorAll("tbody tr").forEach(function (row) { restrictUnits(row, config, false); });
      table.addEventListener("change", function (event) {
        if (event.target.matches("select[name$='-test']")) {
          restrictUnits(event.target.closest("tr"), config, true);
        }
      });
    });
  }

  // Reproductive sections are for women only.
  function applySex() {
    var sex = document.getElementById("id_sex");
    if (!sex) { return; }
    document.querySelectorAll("[data-women-only]").forEach(function (section) {
      section.hidden = sex.value === "male";
    });
  }

  // Questions asked only while another answer is not a given value (brain metastases'
  // details are hidden when there are none): data-shown-unless="<field name>=<value>".
  function applyDependents() {
    document.querySelectorAll("[data-shown-unless]").forEach(function (element) {
      var rule = element.dataset.shownUnless;
      var at = rule.indexOf("=");
      var control = document.querySelector("[name='" + rule.slice(0, at) + "']");
      // A refused answer stays in sight, with its message, whatever the other answer.
      if (control) { element.hidden = control.value === rule.slice(at + 1) && !element.querySelector(".is-invalid"); }
    });
  }
  function wireDependents() {
    var names = {};
    document.querySelectorAll("[data-shown-unless]").forEach(function (element) {
      names[element.dataset.shownUnless.split("=")[0]] = true;
    });
    Object.keys(names).forEach(function (name) {
      var control = document.querySelector("[name='" + name + "']");
      if (control) { control.addEventListener("change", applyDependents); }
    });
    applyDependents();
  }

  // "Add a row" clones the formset's empty form: its row number (labels "Test, row 3")
  // and index; the keyboard's focus goes to the new row's first field.
  function addRow(prefix) {
    var template = document.querySelector("template[data-empty-row-for='" + prefix + "']");
    var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    var body = document.querySelector("table[data-formset-prefix='" + prefix + "'] tbody");
    if (!template || !total || !body) { return; }
    var index = parseInt(total.value, 10);
    var html = template.innerHTML.replace(/__prefix__/g, String(index)).replace(/__row__/g, String(index + 1));
    var before = body.rows.length;
    body.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    var table = body.closest("table");
    if (table.dataset.units) { restrictUnits(body.lastElementChild, unitsFor(table), false); }
    var first = body.rows[before] && body.rows[before].querySelector("input, select, textarea");
    if (first) { first.focus(); }
  }

  // FHIR lab proposals: "select all" ticks every ready row; correcting a row that needed
  // it lets it be ticked (the server checks it again when saving).
  function wireProposals() {
    document.querySelectorAll("[data-select-all]").forEach(function (all) {
      var name = all.dataset.selectAll;
      all.addEventListener("change", function () {
        document.querySelectorAll("input[data-approve='" + name + "']:not(:disabled)").forEach(function (box) {
          box.checked = all.checked;
        });
      });
    });
    document.querySelectorAll("input[data-needs-correction]").forEach(function (box) {
      var row = box.closest("tr");
      row.addEventListener("input", function (event) {
        if (event.target !== box) { box.disabled = false; }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    wireLabs(document);
    wireProposals();
    applySex();
    wireDependents();
    var sex = document.getElementById("id_sex");
    if (sex) { sex.addEventListener("change", applySex); }
    document.querySelectorAll("[data-add-row]").forEach(function (button) {
      button.addEventListener("click", function () { addRow(button.dataset.addRow); });
    });
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
  });
})();
