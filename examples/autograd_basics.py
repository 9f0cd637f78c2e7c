"""A first tour of lucid's autograd: build a small expression, backpropagate, check it numerically."""
import lucid

x = lucid.tensor([[0.5, -1.0], [2.0, 0.1]], requires_grad=True)
w = lucid.tensor([1.5, -0.5], requires_grad=True)

y = (x * w).tanh().sum(axis=1)      # shape (2,)
loss = (y ** 2).mean()
loss.backward()

print("loss  :", loss.item())
print("dL/dx :", x.grad)
print("dL/dw :", w.grad)
print("gradcheck:", lucid.autograd.gradcheck(lambda a, b: ((a * b).tanh().sum(axis=1) ** 2).mean(), [x, w]))
