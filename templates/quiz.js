/* Review quizzes: make each option a control, give feedback when one is tapped, and keep the
   answer back until the right option is tapped or the reader asks for it.
   Without this script the options are a plain list and the answer is printed under them.
   Calibre runs this script before it prints a PDF, with the stylesheet flattened beforehand:
   so the controls are plain spans, styled only under the .is-interactive class this script
   adds, and print as plain text (issue 17). Loads nothing, touches only its own controls. */
(function () {
  "use strict";
  function pressable(element, action) {
    element.setAttribute("role", "button");
    element.setAttribute("tabindex", "0");
    element.addEventListener("click", action);
    element.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); action(event); }
    });
  }
  function setUp(quiz) {
    var feedback = quiz.querySelector(".quiz-feedback");
    var answer = quiz.querySelector(".quiz-answer");
    var show = quiz.querySelector(".quiz-show");
    var options = quiz.querySelectorAll(".quiz-option");
    function reveal() {
      if (answer) { answer.hidden = false; }
      if (show) { show.hidden = true; }
    }
    if (answer && show) {
      answer.hidden = true;
      show.hidden = false;
      show.addEventListener("click", reveal);
    }
    Array.prototype.forEach.call(options, function (option) {
      var choice = document.createElement("span");
      choice.className = "quiz-choice";
      while (option.firstChild) { choice.appendChild(option.firstChild); }
      option.appendChild(choice);
      pressable(choice, function () {
        var right = option.getAttribute("data-correct") === "true";
        Array.prototype.forEach.call(options, function (other) {
          other.classList.remove("is-right", "is-wrong");
        });
        option.classList.add(right ? "is-right" : "is-wrong");
        choice.setAttribute("aria-pressed", "true");
        if (feedback) {
          feedback.textContent = right ? "Right!" : "Not quite. Try again, or show the answer.";
        }
        if (right) { reveal(); }
      });
    });
    quiz.classList.add("is-interactive");
  }
  function start() {
    Array.prototype.forEach.call(document.querySelectorAll(".quiz"), setUp);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
