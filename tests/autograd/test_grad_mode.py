"""lucid/autograd/grad_mode.py: no_grad / enable_grad as context managers and decorators."""
import lucid


def test_no_grad_context_records_nothing():
    x = lucid.tensor([1.0], requires_grad=True)
    with lucid.no_grad():
        assert not lucid.is_grad_enabled()
        y = x * 2
    assert lucid.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None


def test_enable_grad_inside_no_grad():
    x = lucid.tensor([1.0], requires_grad=True)
    with lucid.no_grad():
        with lucid.enable_grad():
            y = x * 2
            assert lucid.is_grad_enabled()
        assert not lucid.is_grad_enabled()
    assert y.requires_grad and y.grad_fn is not None


def test_decorators():
    x = lucid.tensor([1.0], requires_grad=True)

    @lucid.no_grad()
    def frozen(t):
        """docstring kept"""
        return t * 2

    @lucid.enable_grad()
    def live(t):
        return t * 2

    assert not frozen(x).requires_grad
    assert frozen.__doc__ == "docstring kept" and frozen.__name__ == "frozen"
    with lucid.no_grad():
        assert live(x).requires_grad
    assert lucid.is_grad_enabled()


def test_mode_is_restored_after_an_exception():
    try:
        with lucid.no_grad():
            raise KeyError
    except KeyError:
        pass
    assert lucid.is_grad_enabled()


def test_nested_no_grad_reentrant():
    ng = lucid.no_grad()
    with ng:
        with lucid.no_grad():
            pass
        assert not lucid.is_grad_enabled()
    assert lucid.is_grad_enabled()
