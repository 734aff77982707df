/* Review quizzes: turn each option into a button and give feedback when tapped.
   Without this script the options are a plain list and the answer sits in <details>.
   Loads nothing, and touches only its own controls. */
(function () {
  "use strict";
  function setUp(quiz) {
    var feedback = quiz.querySelector(".quiz-feedback");
    var answer = quiz.querySelector(".quiz-answer");
    var options = quiz.querySelectorAll(".quiz-option");
    Array.prototype.forEach.call(options, function (option) {
      var button = document.createElement("button");
      button.type = "button";
      while (option.firstChild) { button.appendChild(option.firstChild); }
      option.appendChild(button);
      button.addEventListener("click", function (event) {
        event.preventDefault();
        var right = option.getAttribute("data-correct") === "true";
        Array.prototype.forEach.call(options, function (other) {
          other.classList.remove("is-right", "is-wrong");
        });
        option.classList.add(right ? "is-right" : "is-wrong");
        button.setAttribute("aria-pressed", "true");
        if (feedback) {
          feedback.textContent = right ? "Right!" : "Not quite. Try again, or read the answer below.";
        }
        if (answer && right) { answer.open = true; }
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
