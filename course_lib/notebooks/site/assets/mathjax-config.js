// MathJax 2 for the Markdown pages (cheat sheet, glossary, guide), read before MathJax.js loads.
// pymdownx.arithmatex (generic mode) wraps every formula in an element of class "arithmatex",
// as \( ... \) inline and \[ ... \] on its own line; MathJax typesets those and nothing else,
// so a dollar sign in code or prose is left alone. The combined configuration loaded with
// MathJax (the notebook pages' own) includes the AssistiveMML extension: each formula is
// also written as hidden MathML, which screen readers read aloud.
window.MathJax = {
  tex2jax: {
    inlineMath: [["\\(", "\\)"]],
    displayMath: [["\\[", "\\]"]],
    processEscapes: false,
    processEnvironments: false,
    ignoreClass: ".*|",
    processClass: "arithmatex"
  },
  messageStyle: "none"
};
