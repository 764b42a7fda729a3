from yingshang.accounts.roles import Role


def test_home_page_greets_a_logged_in_coordinator(client_as):
    response = client_as(Role.COORDINATOR).get("/")
    assert response.status_code == 200
    assert "工作台" in response.content.decode()


def test_anonymous_visitor_sees_the_landing_page(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert "登录平台" in response.content.decode()
