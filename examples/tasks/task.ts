/** Task: a custom step. `run()` returns the output; later tasks read it with outputOf(). */
import { bigraysRun, outputOf, register, Task } from 'bigrays';

@register
class Fibonacci extends Task<number[]> {
  run() {
    const numbers = [0, 1];
    while (numbers.length < 12) numbers.push(numbers[numbers.length - 1] + numbers[numbers.length - 2]);
    return numbers;
  }
}

@register
class Ratio extends Task<number> {
  run() {
    const [a, b] = outputOf(Fibonacci).slice(-2);
    return b / a; // the golden ratio, nearly
  }
}

void bigraysRun().then(() => console.log(`ratio: ${outputOf(Ratio).toFixed(6)}`));
