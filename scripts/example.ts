/**
 * The classic first PyTorch training loop, written with Trainyard's engine:
 * SimpleNN (10 → 20 → ReLU → 2) on 100 random samples, CrossEntropyLoss, Adam (lr 0.01), 100 epochs.
 */
import {
  Adam,
  argmax,
  CrossEntropyLoss,
  Linear,
  manualSeed,
  noGrad,
  ReLU,
  randint,
  randn,
  Sequential,
} from '../src/engine/index.js';

manualSeed(42);

const model = new Sequential(new Linear(10, 20), new ReLU(), new Linear(20, 2));
const criterion = new CrossEntropyLoss();
const optimizer = new Adam(model.parameters(), { lr: 0.01 });

const X = randn([100, 10]);
const y = randint(0, 2, [100]);

const epochs = 100;
for (let epoch = 0; epoch < epochs; epoch++) {
  optimizer.zeroGrad();
  const outputs = model.forward(X);
  const loss = criterion.forward(outputs, y);
  loss.backward();
  optimizer.step();
  if ((epoch + 1) % 10 === 0) console.log(`Epoch [${epoch + 1}/${epochs}], Loss: ${loss.item().toFixed(4)}`);
}

const predicted = noGrad(() => argmax(model.eval().forward(X), 1));
const correct = predicted.data.filter((label, i) => label === y.data[i]).length;
console.log(`Training accuracy: ${((100 * correct) / y.size).toFixed(1)}%`);
